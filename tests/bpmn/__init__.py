"""Small BPMN files the tests deploy, shared by the engine, web, command-line and browser tests
(the shipped journeys are in ``processes/``); ``hostile/`` holds files that must be refused."""

from pathlib import Path

BPMN_DIR = Path(__file__).parent
