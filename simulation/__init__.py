"""The journey simulator: many cases of the shipped journeys driven over simulated months with
seeded random but valid choices, every step checked against the invariants a case must keep
(docs/simulator.md).

Modules, each named for what it holds:

- ``people`` — the staff the simulated cases are worked by, with their roles;
- ``model`` — what the simulator reads from a deployed model (how many open tasks an element may
  have, which form fields name users and of what role, which keys the model computes itself);
- ``choices`` — valid random answers to a form, and the data a message carries;
- ``stored`` — a case's stored state, loaded with SpiffWorkflow's own serializer as a check;
- ``invariants`` — the checks made after every step;
- ``report`` — a step, a violation, and a run's report with its replayable step list;
- ``driver`` — the step loop (human or burst pace, straight or restored), and replay.
"""
