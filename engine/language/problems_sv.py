"""The engine's validation messages in Swedish, for the designer's pages.

The engine writes every :class:`~engine.errors.Problem` in English (the command line, the JSON API
and the logs use them as they are). The designer's pages are Swedish by default, so this catalog
turns each English message back into its parts and says it again in Swedish.

The catalog is a list of pairs: an English template, as the message is built in the source, and its
Swedish text. ``{name}`` is a part filled in from the message; ``{{`` and ``}}`` are literal braces.
What a part may hold, and what happens to it, follows from its name:

* ``{reason…}`` — a message of its own (the "why" after "… is refused:"), translated the same way;
* ``{what}`` — what an expression belongs to ("condition", "output parameter 'x'" …), one of
  :data:`WHATS`;
* ``{thing}`` — what an expression was building when it grew too large, one of :data:`THINGS` or
  left as it is (``list``, ``'+'``, ``max()``);
* ``{kind}`` — a timer's kind: ``date``, ``duration`` or ``cycle``;
* ``{examples}`` — the examples a timer message shows, one of :data:`EXAMPLES`;
* ``{choices}`` — "a or b" lists of names: only the "or" is translated;
* ``{func}``, ``{prop}`` — a name (letters, digits, _); ``{n}``, ``{line}``, ``{max}``… — a number;
* anything else — a value quoted from the model (an id, a name, an expression, a file name): kept
  exactly as it is.

The first template (in list order) that matches the whole message wins, so a specific template
comes before a general one that would also match. A message no template matches is returned as it
is: unknown text is never garbled. ``tests/engine/test_problems_in_swedish.py`` checks that every
message the validation can produce has a template.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from engine.errors import Problem

#: What an expression belongs to, as the checks name it before "'…' is refused".
WHATS: list[tuple[str, str]] = [
    ("condition", "villkoret"),
    ("output parameter '{name}'", "utdataparametern '{name}'"),
    ("form field '{field}': the condition (villkor)", "formulärfältet '{field}': villkoret (villkor)"),
    ("candidateGroups", "rollerna (camunda:candidateGroups)"),
    ("candidateUsers", "personerna (camunda:candidateUsers)"),
    ("assignee", "den tilldelade (camunda:assignee)"),
    ("dueDate", "förfallodatumet (camunda:dueDate)"),
    ("followUpDate", "påminnelsedatumet (camunda:followUpDate)"),
    ("loop cardinality", "antalet varv (loopCardinality)"),
    ("till_arende", "mottagande ärenden (till_arende)"),
    ("collection", "samlingen (camunda:collection)"),
    ("completion condition", "slutvillkoret (completionCondition)"),
    ("loop condition", "loopvillkoret (loopCondition)"),
    ("input expression", "indatauttrycket"),
    ("camunda:{direction} '{target}'", "camunda:{direction} '{target}'"),
    ("cell of rule {rule}", "cellen i regel {rule}"),
]

#: What an expression was building when a size limit stopped it (the rest are Python names, kept).
THINGS: list[tuple[str, str]] = [
    ("repeating {type} {n} times", "att upprepa {type} {n} gånger"),
    ("generator expression", "generatoruttrycket"),
]

#: A timer's kind, as the timer messages name it.
KINDS = {"date": "tidpunkt", "duration": "varaktighet", "cycle": "upprepning"}

#: The examples of a timer message that says the text is not ISO 8601.
EXAMPLES: list[tuple[str, str]] = [
    ("P14D, P1M or PT2H30M", "P14D, P1M eller PT2H30M"),
    ("2026-03-01T08:00:00+01:00 or 2026-03-01", "2026-03-01T08:00:00+01:00 eller 2026-03-01"),
    ("R/P1M, R3/PT1H or R12/2026-01-31/P1M", "R/P1M, R3/PT1H eller R12/2026-01-31/P1M"),
]

#: Every message, English template → Swedish. Grouped by where the message is written.
MESSAGES: list[tuple[str, str]] = [
    # --- engine/definitions/xml_safety.py, model_files.py: the file as a whole ---------------------------
    ("the file declares a DOCTYPE or entities, which are not allowed "
     "(XML external entity / entity expansion protection)",
     "filen innehåller en DOCTYPE eller entiteter, vilket inte är tillåtet "
     "(skydd mot externa XML-entiteter och entitetsexpansion)"),
    ("the file declares an unknown encoding {encoding}", "filen anger en okänd teckenkodning {encoding}"),
    ("the text contains {characters}, which its declared encoding {encoding} cannot represent",
     "texten innehåller {characters}, som filens angivna teckenkodning {encoding} inte kan återge"),
    ("the file is larger than {n} MB", "filen är större än {n} MB"),
    ("the file is empty", "filen är tom"),
    ("the file's bytes cannot be decoded: {detail}", "filens innehåll kan inte avkodas: {detail}"),
    ("the file declares an encoding that is not supported ({detail})",
     "filen anger en teckenkodning som inte stöds ({detail})"),
    ("the file contains bytes that are not valid UTF-8 (the file declares no encoding, so UTF-8 is assumed) "
     "(line {line}); save it again as UTF-8 or correct its XML declaration",
     "filen innehåller tecken som inte är giltig UTF-8 (filen anger ingen teckenkodning, så UTF-8 antas) "
     "(rad {line}); spara den igen som UTF-8 eller rätta filens XML-deklaration"),
    ("the file contains bytes that are not valid {encoding}, the encoding the file declares (line {line}); "
     "save it again as UTF-8 or correct its XML declaration",
     "filen innehåller tecken som inte är giltig {encoding}, den teckenkodning som filen anger (rad {line}); "
     "spara den igen som UTF-8 eller rätta filens XML-deklaration"),
    ("not well-formed XML: {detail} (line {line})", "filen är inte välformad XML: {detail} (rad {line})"),
    ("line {line} contains the character U+{code}, which XML does not allow in a file; remove it",
     "rad {line} innehåller tecknet U+{code}, som XML inte tillåter i en fil; ta bort det"),
    ("line {line} refers to the character U+{code} ({reference}), which XML does not allow; remove the reference",
     "rad {line} hänvisar till tecknet U+{code} ({reference}), som XML inte tillåter; ta bort hänvisningen"),
    ("not a BPMN 2.0 or DMN file: the root element is <{root}>",
     "filen är varken BPMN 2.0 eller DMN: rotelementet är <{root}>"),
    # --- engine/spiff/loading.py, engine/cases/catalog.py: a deployment ----------------------------------
    ("no BPMN file was given", "ingen BPMN-fil har angetts"),
    ("the decision '{ref}' is not among the DMN files deployed with it",
     "beslutstabellen '{ref}' finns inte i någon av DMN-filerna som publiceras tillsammans med processen"),
    ("the process is nested too deeply to parse", "processen är för djupt nästlad för att kunna läsas"),
    ("the process is sequenced or nested too deeply",
     "processen har för långa kedjor av steg eller är för djupt nästlad"),
    ("the file could not be read: {error}: {detail}", "filen kunde inte läsas: {error}: {detail}"),
    ("stored version no longer parses", "den sparade versionen går inte längre att läsa"),
    # SpiffWorkflow's own checks, for what the engine's checks before it let through.
    ("Exactly one start event is required in a SubWorkflow Task; found {n}",
     "en delprocess måste ha exakt en starthändelse; den har {n}"),
    ("A SubWorkflow Must contain an End event", "en delprocess måste ha en sluthändelse"),
    ("No start event found", "processen har ingen starthändelse"),
    ("Process {id} is not executable", "processen {id} är inte körbar"),
    ("The process '{id}' was not found. Did you mean one of the following: {ids}?",
     "processen '{id}' finns inte. Menade du någon av dessa: {ids}?"),
    ("There is no support implemented for this task type", "den här typen av element stöds inte"),
    ("Could not find messageRef from message event definition: {id}",
     "meddelandehändelsens meddelande (messageRef) finns inte: {id}"),
    ("Non-default exclusive outgoing sequence flow without condition",
     "ett flöde ut från en exklusiv gateway har inget villkor och är inte gatewayens standardflöde"),
    ("Conditional event definition with missing condition", "villkorshändelsen saknar villkor"),
    ("Unknown Time Specification", "okänd tidsangivelse för timern"),
    ("Time Specification Error. {detail}", "fel i timerns tidsangivelse: {detail}"),
    ("No decisions found", "filen innehåller inga beslut"),
    ("Multiple decision tables are not current supported", "bara en beslutstabell per beslut stöds"),
    # --- engine/definitions/validation/bpmn.py: processes and their elements -----------------------------
    ("the file contains no BPMN process", "filen innehåller ingen BPMN-process"),
    ('the process is not marked executable (isExecutable="true"); nothing could run',
     'processen är inte markerad som körbar (isExecutable="true"); inget i den kan köras'),
    ("the process id '{id}' cannot be a process key: it must start with a letter or _ and use only letters, "
     "digits, _, - and . (at most 64 characters)",
     "processens id '{id}' kan inte användas som processnyckel: det måste börja med en bokstav eller _ och får "
     "bara innehålla bokstäver, siffror, _, - och . (högst 64 tecken)"),
    ("the id '{id}' is used by more than one element; ids must be unique",
     "id:t '{id}' används av mer än ett element; varje id måste vara unikt"),
    ("the form field '{id}' has the same id as an element of the process; rename one of them",
     "formulärfältet '{id}' har samma id som ett element i processen; byt namn på ett av dem"),
    ("the enum value '{id}' has the same id as an element of the process; rename one of them",
     "listvärdet '{id}' har samma id som ett element i processen; byt namn på ett av dem"),
    ("the sequence flow has no source (sourceRef)", "sekvensflödet har ingen början (sourceRef)"),
    ("the sequence flow has no target (targetRef)", "sekvensflödet har inget mål (targetRef)"),
    ("the sequence flow's source '{ref}' is not an element of the same process or sub-process",
     "sekvensflödets början '{ref}' är inte ett element i samma process eller delprocess"),
    ("the sequence flow's target '{ref}' is not an element of the same process or sub-process",
     "sekvensflödets mål '{ref}' är inte ett element i samma process eller delprocess"),
    ("a second sequence flow from '{source}' into the join '{target}'; draw one flow between two elements",
     "ett andra sekvensflöde från '{source}' in i sammanslagningen '{target}'; rita bara ett flöde mellan "
     "två element"),
    ("{count} sequence flows leave or enter this element; at most {max} are allowed "
     "(use a multi-instance activity for many similar branches)",
     "{count} sekvensflöden går ut från eller in i det här elementet; högst {max} är tillåtna "
     "(använd en flerinstansaktivitet för många likadana grenar)"),
    ("the boundary event is attached to '{ref}', which is not an activity of the same process or sub-process",
     "gränshändelsen sitter på '{ref}', som inte är en aktivitet i samma process eller delprocess"),
    ("the boundary event is attached to no activity (attachedToRef)",
     "gränshändelsen sitter inte på någon aktivitet (attachedToRef)"),
    ("the default flow '{ref}' is not one of the element's outgoing sequence flows",
     "standardflödet '{ref}' är inte ett av elementets utgående sekvensflöden"),
    ("meddelande: {{{name}}} goes to the referrer (meddela: remittent), but the model does not share that field "
     "with her (delas_med_remittent)",
     "meddelande: {{{name}}} går till remittenten (meddela: remittent), men modellen delar inte det fältet med "
     "henne (delas_med_remittent)"),
    ("form field '{field}' is shared with the referrer (delas_med_remittent) in one form and not in another; she "
     "sees it only when every form that asks it shares it",
     "formulärfältet '{field}' delas med remittenten (delas_med_remittent) i ett formulär men inte i ett annat; "
     "hon ser det bara när varje formulär som frågar efter det delar det"),
    ("{prop} is not a follow-up property; use one of {choices}",
     "{prop} är ingen egenskap för uppföljningen; använd någon av {choices}"),
    ("{prop} names '{value}', which no form field or output parameter of the process sets",
     "{prop} anger '{value}', som inget formulärfält eller utdataparameter i processen sätter"),
    ("{prop} names '{value}', which is not a user task of the process",
     "{prop} anger '{value}', som inte är en användaruppgift i processen"),
    ("{prop} is '{value}'; write a whole percent from 0 to 100",
     "{prop} är '{value}'; skriv ett helt procenttal 0–100"),
    ("{prop} is '{value}'; write rising age bands such as 18-30,31-64",
     "{prop} är '{value}'; skriv stigande åldersgrupper, till exempel 18-30,31-64"),
    ("{prop} is '{value}'; write the process key of the journey",
     "{prop} är '{value}'; skriv processnyckeln för deltagarresan"),
    ("{prop} names a journey, but uppfoljning.gruppstart names no date of a group start",
     "{prop} anger en deltagarresa, men uppfoljning.gruppstart anger inget datum för en gruppstart"),
    ("{prop} sorts outcomes, but uppfoljning.utfall names no outcome field",
     "{prop} sorterar utfall, men uppfoljning.utfall anger inget fält för utfallet"),
    ("{prop}: '{value}' is not a value the outcome '{field}' can have",
     "{prop}: '{value}' är inget värde som utfallet '{field}' kan ha"),
    ("{prop}: '{value}' is counted as {category} already", "{prop}: '{value}' räknas redan som {category}"),
    ("samtidiga_uppgifter belongs on a user task", "samtidiga_uppgifter hör hemma på en användaruppgift"),
    ("samtidiga_uppgifter is '{value}'; write a whole number above 0 or obegränsat",
     "samtidiga_uppgifter är '{value}'; skriv ett heltal större än 0 eller obegränsat"),
    ("{prop} belongs on {choices}, not on <{element}>", "{prop} hör hemma på {choices}, inte på <{element}>"),
    ("{prop} is '{value}'; write {choices}", "{prop} är '{value}'; skriv {choices}"),
    ("service tasks are not supported: the engine has no external workers "
     "(use a user task, a business rule task or a message)",
     "serviceuppgifter stöds inte: motorn har inga externa arbetare "
     "(använd en användaruppgift, en affärsregeluppgift eller ett meddelande)"),
    ("complex gateways are not supported (use exclusive, inclusive or parallel gateways)",
     "komplexa gateways stöds inte (använd exklusiva, inkluderande eller parallella gateways)"),
    ("ad-hoc sub-processes are not supported (model the order with gateways)",
     "ad hoc-delprocesser stöds inte (modellera ordningen med gateways)"),
    ("transaction sub-processes are not supported (use an embedded sub-process)",
     "transaktionsdelprocesser stöds inte (använd en inbäddad delprocess)"),
    ("script tasks are disabled: designers' code does not run on the server "
     "(an operator can enable them with SAMVERKAN_ALLOW_SCRIPTS=1)",
     "skriptuppgifter är avstängda: processdesigners kod körs inte på servern "
     "(en driftansvarig kan slå på dem med SAMVERKAN_ALLOW_SCRIPTS=1)"),
    ("compensation events are not supported", "kompensationshändelser stöds inte"),
    ("link events are not supported (draw the sequence flow instead)",
     "länkhändelser stöds inte (rita sekvensflödet i stället)"),
    ("conditional events are not supported (use a gateway or a message)",
     "villkorshändelser stöds inte (använd en gateway eller ett meddelande)"),
    ("signal start events are not supported (open the case on a message start event instead)",
     "signalstarthändelser stöds inte (låt i stället ärendet öppnas av en starthändelse för meddelanden)"),
    ("{name} belongs on an element that sends a message or a signal",
     "{name} hör hemma på ett element som skickar ett meddelande eller en signal"),
    ("camunda:{attribute} runs code when the message is sent, which the engine does not do "
     "(name the receiving process with the property till_process)",
     "camunda:{attribute} kör kod när meddelandet skickas, vilket motorn inte gör "
     "(ange den mottagande processen med egenskapen till_process)"),
    ("the message has no name: give the event a message (messageRef) or a name",
     "meddelandet har inget namn: ge händelsen ett meddelande (messageRef) eller ett namn"),
    ("till_process '{key}' is not a process key", "till_process '{key}' är ingen processnyckel"),
    ("till_arende belongs on a message: a signal goes to every case that waits for it",
     "till_arende hör hemma på ett meddelande: en signal går till varje ärende som väntar på den"),
    ("skicka names '{name}', which is not a field name", "skicka anger '{name}', som inte är ett fältnamn"),
    ("the message goes to no case: the engine only records in the case's history that it was sent (name the "
     "receiving process with the property till_process, or draw a message flow to an executable process)",
     "meddelandet går inte till något ärende: motorn antecknar bara i ärendets historik att det skickades "
     "(ange den mottagande processen med egenskapen till_process, eller rita ett meddelandeflöde till en "
     "körbar process)"),
    # --- validation/events.py: event-based gateways, receive tasks, errors and escalations ---
    ("an event-based gateway needs at least two outgoing sequence flows, each to an event it waits for",
     "en händelsebaserad gateway behöver minst två utgående sekvensflöden, vart och ett till en händelse den "
     "väntar på"),
    ("the flow out of event-based gateway {gateway} has a condition; the event that comes first chooses the "
     "branch, so draw it without one",
     "flödet ut från den händelsebaserade gatewayen {gateway} har ett villkor; det är händelsen som kommer "
     "först som väljer grenen, så rita flödet utan villkor"),
    ("the flow out of event-based gateway {gateway} leads to {target}, which is neither an intermediate catch "
     "event nor a receive task",
     "flödet ut från den händelsebaserade gatewayen {gateway} leder till {target}, som varken är en "
     "mellanliggande fångande händelse eller en mottagaruppgift"),
    ("the event after an event-based gateway has another incoming sequence flow; it may be reached only from "
     "the gateway",
     "händelsen efter en händelsebaserad gateway har ett till inkommande sekvensflöde; den får bara nås från "
     "gatewayen"),
    ("after an event-based gateway an event can wait only for a message or a timer",
     "efter en händelsebaserad gateway kan en händelse bara vänta på ett meddelande eller en timer"),
    ("an event-based gateway can wait for one timer; {n} are drawn (keep the one that should end the wait)",
     "en händelsebaserad gateway kan vänta på en timer; {n} är ritade (behåll den som ska avsluta väntan)"),
    ("the message '{name}' is awaited by more than one branch of the gateway",
     "meddelandet '{name}' väntas på av mer än en gren från gatewayen"),
    ("the receive task names no message (messageRef)", "mottagaruppgiften anger inget meddelande (messageRef)"),
    ("the event refers to '{ref}', which is no <bpmn:{element}> of the file",
     "händelsen hänvisar till '{ref}', som inte är något <bpmn:{element}> i filen"),
    ("an intermediate catch event cannot wait for an error or an escalation (attach a boundary event to the "
     "sub-process that throws it)",
     "en mellanliggande fångande händelse kan inte vänta på ett fel eller en eskalering (sätt en gränshändelse "
     "på delprocessen som kastar det)"),
    ("an error is thrown only by an end event (throw an escalation to go on after it)",
     "ett fel kastas bara av en sluthändelse (kasta en eskalering för att fortsätta efter den)"),
    ("the error '{error_code}' is caught by no error boundary event on a sub-process around it; the case would stop "
     "with an incident",
     "felet '{error_code}' fångas inte av någon gränshändelse för fel på en delprocess runt det; ärendet skulle "
     "stanna med en incident"),
    ("the error without a code is caught by no catch-all error boundary event on a sub-process around it; the "
     "case would stop with an incident",
     "felet utan kod fångas inte av någon gränshändelse för alla fel på en delprocess runt det; ärendet "
     "skulle stanna med en incident"),
    ("the escalation '{escalation_code}' is caught by no escalation boundary event on a sub-process around it, so it "
     "would have no effect",
     "eskaleringen '{escalation_code}' fångas inte av någon gränshändelse för eskalering på en delprocess runt den, så "
     "den skulle inte få någon verkan"),
    ("the escalation without a code is caught by no catch-all escalation boundary event on a sub-process "
     "around it, so it would have no effect",
     "eskaleringen utan kod fångas inte av någon gränshändelse för alla eskaleringar på en delprocess runt "
     "den, så den skulle inte få någon verkan"),
    ("the error '{error_code}' leaves the process and is caught by the call activity that calls it; a case of this "
     "process started by itself would stop with an incident",
     "felet '{error_code}' lämnar processen och fångas av anropsaktiviteten som anropar den; ett ärende av den här "
     "processen som startats för sig skulle stanna med en incident"),
    ("the error without a code leaves the process and is caught by the call activity that calls it; a case of "
     "this process started by itself would stop with an incident",
     "felet utan kod lämnar processen och fångas av anropsaktiviteten som anropar den; ett ärende av den här "
     "processen som startats för sig skulle stanna med en incident"),
    ("the escalation '{escalation_code}' leaves the process and is caught by the call activity that calls it; in a "
     "case of this process started by itself it would have no effect",
     "eskaleringen '{escalation_code}' lämnar processen och fångas av anropsaktiviteten som anropar den; i ett "
     "ärende av den här processen som startats för sig skulle den inte få någon verkan"),
    ("the escalation without a code leaves the process and is caught by the call activity that calls it; in a "
     "case of this process started by itself it would have no effect",
     "eskaleringen utan kod lämnar processen och fångas av anropsaktiviteten som anropar den; i ett ärende av "
     "den här processen som startats för sig skulle den inte få någon verkan"),
    ("the called process '{key}' can end with the error '{error_code}' ({thrower}), which no error boundary event "
     "on the call activity or on a sub-process around it catches; the case would stop with an incident",
     "den anropade processen '{key}' kan sluta med felet '{error_code}' ({thrower}), som ingen gränshändelse för "
     "fel på anropsaktiviteten eller på en delprocess runt den fångar; ärendet skulle stanna med en incident"),
    ("the called process '{key}' can end with an error without a code ({thrower}), which no catch-all error "
     "boundary event on the call activity or on a sub-process around it catches; the case would stop with an "
     "incident",
     "den anropade processen '{key}' kan sluta med ett fel utan kod ({thrower}), som ingen gränshändelse för "
     "alla fel på anropsaktiviteten eller på en delprocess runt den fångar; ärendet skulle stanna med en incident"),
    ("the called process '{key}' can end with the escalation '{escalation_code}' ({thrower}), which no escalation "
     "boundary event on the call activity or on a sub-process around it catches, so it would have no effect",
     "den anropade processen '{key}' kan sluta med eskaleringen '{escalation_code}' ({thrower}), som ingen "
     "gränshändelse för eskalering på anropsaktiviteten eller på en delprocess runt den fångar, så den skulle "
     "inte få någon verkan"),
    ("the called process '{key}' can end with an escalation without a code ({thrower}), which no catch-all "
     "escalation boundary event on the call activity or on a sub-process around it catches, so it would have no "
     "effect",
     "den anropade processen '{key}' kan sluta med en eskalering utan kod ({thrower}), som ingen gränshändelse "
     "för alla eskaleringar på anropsaktiviteten eller på en delprocess runt den fångar, så den skulle inte få "
     "någon verkan"),
    ("an error or escalation boundary event catches what a sub-process throws; attached to {activity}, it "
     "would never fire",
     "en gränshändelse för fel eller eskalering fångar det en delprocess kastar; fäst vid {activity} skulle "
     "den aldrig utlösas"),
    ('an error boundary event always interrupts its activity (remove cancelActivity="false")',
     'en gränshändelse för fel avbryter alltid sin aktivitet (ta bort cancelActivity="false")'),
    ("the element <{element}> is not supported by the engine", "elementet <{element}> stöds inte av motorn"),
    ("loop and multi-instance markers are supported on user tasks, embedded sub-processes and call activities "
     "only, not on event sub-processes (put it in a sub-process and mark the sub-process)",
     "loop- och flerinstansmarkeringar stöds bara på användaruppgifter, inbäddade underprocesser och "
     "anropsaktiviteter, inte på händelseunderprocesser (lägg den i en underprocess och markera underprocessen)"),
    ("loop and multi-instance markers are supported on user tasks, embedded sub-processes and call activities "
     "only, not on <{element}> (put it in a sub-process and mark the sub-process)",
     "loop- och flerinstansmarkeringar stöds bara på användaruppgifter, inbäddade underprocesser och "
     "anropsaktiviteter, inte på <{element}> (lägg den i en underprocess och markera underprocessen)"),
    ("a multi-instance activity has both a collection and a loop cardinality; keep one",
     "flerinstansaktiviteten har både en samling och ett antal varv (loopCardinality); behåll det ena"),
    ("the collection '{collection}' must name a case variable holding a list, e.g. myndigheter or "
     "${{myndigheter}} (compute another list with an output parameter of an earlier task)",
     "samlingen '{collection}' måste vara namnet på en variabel i ärendet som håller en lista, t.ex. "
     "myndigheter eller ${{myndigheter}} (räkna fram en annan lista med en utdataparameter på en tidigare "
     "uppgift)"),
    ("the loop cardinality is empty", "antalet varv (loopCardinality) är tomt"),
    ("the element variable '{name}' must be a name: letters, digits and _",
     "elementvariabeln '{name}' måste vara ett namn: bokstäver, siffror och _"),
    ("the output collection '{name}' must be a name: letters, digits and _",
     "utdatasamlingen '{name}' måste vara ett namn: bokstäver, siffror och _"),
    ("the element variable '{name}' has the name of the collection; give it a name of its own",
     "elementvariabeln '{name}' har samma namn som samlingen; ge den ett eget namn"),
    ("the element variable '{name}' has the name of the output collection; give it a name of its own",
     "elementvariabeln '{name}' har samma namn som utdatasamlingen; ge den ett eget namn"),
    ("the completion condition is empty", "slutvillkoret (completionCondition) är tomt"),
    ("the loop cardinality {n} is above {max}, the most instances one activity may start",
     "antalet varv (loopCardinality) {n} är över {max}, det största antal instanser en aktivitet får starta"),
    ("loopMaximum '{value}' is not a whole number from 1 to {max}",
     "loopMaximum '{value}' är inte ett heltal från 1 till {max}"),
    ("the loop condition is empty", "loopvillkoret (loopCondition) är tomt"),
    ("a loop needs a loop condition (loopCondition) or a loopMaximum",
     "en loop behöver ett loopvillkor (loopCondition) eller ett loopMaximum"),
    ("the business rule task names no decision (camunda:decisionRef)",
     "affärsregeluppgiften anger ingen beslutstabell (camunda:decisionRef)"),
    ("the call activity names no process to call (calledElement)",
     "anropsaktiviteten anger ingen process att anropa (calledElement)"),
    # call activities and sub-processes (validation/call_activities.py, spiff/loading.py)
    ("the call activity's binding '{binding}' is not supported "
     "(camunda:calledElementBinding: latest, deployment or version)",
     "anropsaktivitetens bindning '{binding}' stöds inte "
     "(camunda:calledElementBinding: latest, deployment eller version)"),
    ("the call activity is bound to a version but names no version number (camunda:calledElementVersion, e.g. 1)",
     "anropsaktiviteten är bunden till en version men anger inget versionsnummer "
     "(camunda:calledElementVersion, t.ex. 1)"),
    ('the call activity names a version but is not bound to it (camunda:calledElementBinding="version")',
     'anropsaktiviteten anger en version men är inte bunden till den (camunda:calledElementBinding="version")'),
    ("camunda:{direction} businessKey is not supported: a called process runs inside the calling case, which "
     "has its own case number",
     "camunda:{direction} businessKey stöds inte: en anropad process körs i det anropande ärendet, som har "
     "sitt eget ärendenummer"),
    ("camunda:{direction} variables='{value}' is not supported (only \"all\")",
     "camunda:{direction} variables='{value}' stöds inte (bara \"all\")"),
    ("camunda:{attribute} is not supported: no code runs on the server (declare camunda:in and camunda:out)",
     "camunda:{attribute} stöds inte: ingen kod körs på servern (ange camunda:in och camunda:out)"),
    ("camunda:{direction} needs a source or a sourceExpression (one of them)",
     "camunda:{direction} behöver en source eller en sourceExpression (en av dem)"),
    ("camunda:{direction} source '{source}' is not a variable name",
     "camunda:{direction} source '{source}' är inget variabelnamn"),
    ("camunda:{direction} target '{target}' is not a variable name",
     "camunda:{direction} target '{target}' är inget variabelnamn"),
    ("the sub-process has no start event: draw what it does inside it (a collapsed sub-process still needs its "
     "start event, its steps and its end event), or use a call activity",
     "delprocessen har ingen starthändelse: rita vad den gör inuti den (en hopfälld delprocess behöver ändå sin "
     "starthändelse, sina steg och sin sluthändelse), eller använd en anropsaktivitet"),
    ("the process calls itself ({path}): a called process may not call the process that calls it",
     "processen anropar sig själv ({path}): en anropad process får inte anropa processen som anropar den"),
    ("the called process '{key}' is not among the files deployed with it "
     '(camunda:calledElementBinding="deployment")',
     "den anropade processen '{key}' finns inte bland filerna som driftsätts med den "
     '(camunda:calledElementBinding="deployment")'),
    ("the process calls '{key}' both as deployed with it and as version {n}: one process may call only one "
     "version of another",
     "processen anropar '{key}' både som den driftsätts med den och som version {n}: en process får anropa "
     "bara en version av en annan"),
    ("the called process '{key}' is not among these files: deploying checks that it is deployed",
     "den anropade processen '{key}' finns inte bland de här filerna: driftsättningen kontrollerar att den är "
     "driftsatt"),
    ("version {n} of the called process '{key}' is not deployed",
     "version {n} av den anropade processen '{key}' är inte driftsatt"),
    ("the called process '{key}' is neither among the files deployed with it nor deployed",
     "den anropade processen '{key}' finns varken bland filerna som driftsätts med den eller bland de driftsatta"),
    ("the process calls '{key}' in two versions ({a} and {b}): one process may call only one version of another",
     "processen anropar '{key}' i två versioner ({a} och {b}): en process får anropa bara en version av en annan"),
    ("the sub-process or called process id '{clash}' is used both here and in the called process '{key}' "
     "(version {n}): rename one of them",
     "delprocessen eller den anropade processen med id '{clash}' finns både här och i den anropade processen "
     "'{key}' (version {n}): byt namn på en av dem"),
    ("the element id '{clash}' is used both here and in the called process '{key}' (version {n}): rename one of "
     "them",
     "elementet med id '{clash}' finns både här och i den anropade processen '{key}' (version {n}): byt namn på "
     "ett av dem"),
    ("an event with a timer and other definitions is not supported "
     "(put a timer and a message boundary event on a user task instead)",
     "en händelse med både en timer och andra definitioner stöds inte "
     "(sätt i stället en timer och en gränshändelse för meddelanden på en användaruppgift)"),
    ("input parameters are not supported; the task sees the case data (use output parameters to compute "
     "new values)",
     "indataparametrar stöds inte; uppgiften ser ärendets data (använd utdataparametrar för att räkna fram "
     "nya värden)"),
    ("{what}: the name must start with a letter and use only letters, digits and _",
     "{what}: namnet måste börja med en bokstav och får bara innehålla bokstäver, siffror och _"),
    ("{what}: only an expression is supported (no script, list or map)",
     "{what}: bara ett uttryck stöds (inget skript, ingen lista och ingen map)"),
    ("{what} has no expression", "{what} har inget uttryck"),
    ("condition language '{language}' is not supported; write an expression",
     "villkorsspråket '{language}' stöds inte; skriv ett uttryck"),
    ("conditions loaded from external resources are not supported",
     "villkor som hämtas från externa resurser stöds inte"),
    ("the condition is empty", "villkoret är tomt"),
    ("the flow out of gateway {gateway} has no condition and is not its default flow",
     "flödet ut från gatewayen {gateway} har inget villkor och är inte gatewayens standardflöde"),
    ("a multi-instance task needs a loop cardinality or a camunda:collection",
     "en flerinstansuppgift behöver ett antal varv (loopCardinality) eller en camunda:collection"),
    ("the timer has no time date, duration or cycle",
     "timern har ingen tidpunkt, varaktighet eller upprepning (timeDate, timeDuration eller timeCycle)"),
    ("the timer's {kind} is empty", "timerns {kind} är tom"),
    # validation/start_events.py
    ("a timer start event inside an embedded sub-process never fires: the sub-process starts when its flow "
     "reaches it (use a plain start event and an intermediate timer event after it)",
     "en starthändelse med timer i en inbäddad delprocess utlöses aldrig: delprocessen startar när flödet når "
     "den (använd en vanlig starthändelse och en mellanliggande timerhändelse efter den)"),
    ("a process may open its cases on one timer start event only; '{event}' is the first",
     "en process kan öppna sina ärenden på en enda starthändelse med timer; '{event}' är den första"),
    ("a participant journey (deltagarresa = ja) cannot open its cases on a timer: each of its cases is a "
     "person staff register (remove the timer, or the property)",
     "en deltagarresa (deltagarresa = ja) kan inte öppna sina ärenden på en timer: varje ärende är en person "
     "som personalen registrerar (ta bort timern eller egenskapen)"),
    ("a timer start event's {kind} '{text}' must be ISO 8601 text (e.g. R/P6W, P14D or 2027-01-11T08:00): "
     "there is no case data yet for an expression to read",
     "starthändelsens timer ({kind}) '{text}' måste vara ISO 8601-text (t.ex. R/P6W, P14D eller "
     "2027-01-11T08:00): det finns ännu inga ärendedata för ett uttryck att läsa"),
    ("the start form's field '{field}' is required, but nobody answers it in the cases the timer start event "
     "'{event}' opens (make it optional, or ask in a user task)",
     "startformulärets fält '{field}' är obligatoriskt, men ingen besvarar det i de ärenden som starthändelsen "
     "med timer '{event}' öppnar (gör det frivilligt, eller fråga i en användaruppgift)"),
    ("timer {kind} '{text}' is refused: {reason}", "timerns {kind} '{text}' godtas inte: {reason}"),
    ("timer {kind} '{text}' is not a usable ISO 8601 {kind}: {reason}",
     "timerns {kind} '{text}' är inte en användbar ISO 8601-{kind}: {reason}"),
    ("timer {kind} '{text}' is neither ISO 8601 (e.g. {example}) nor an expression ({reason})",
     "timerns {kind} '{text}' är varken ISO 8601 (t.ex. {example}) eller ett uttryck ({reason})"),
    ("timer {kind} '{text}' is not ISO 8601 (e.g. {example})",
     "timerns {kind} '{text}' är inte ISO 8601 (t.ex. {example})"),
    ("timer {kind}: {reason}", "timerns {kind}: {reason}"),
    # --- engine/definitions/validation/common.py: expressions --------------------------------------------
    ("{what} '{text}' is a FEEL expression (Camunda 8), which is not supported; "
     "write an expression such as approved == True",
     "{what} '{text}' är ett FEEL-uttryck (Camunda 8), vilket inte stöds; "
     "skriv ett uttryck som approved == True"),
    ("{what} '{text}' is refused: {reason}", "{what} '{text}' godtas inte: {reason}"),
    # --- engine/definitions/validation/user_tasks.py: user tasks and their forms -------------------------
    ("the user task has no role: set candidate groups (camunda:candidateGroups) or an assignee",
     "användaruppgiften har ingen roll: ange roller (camunda:candidateGroups) eller en tilldelad "
     "(camunda:assignee)"),
    ("camunda:formKey is ignored; the task shows the fields declared in camunda:formData",
     "camunda:formKey används inte; uppgiften visar formulärfälten i camunda:formData"),
    ("external forms (camunda:formKey) are not supported; declare the fields (camunda:formData)",
     "externa formulär (camunda:formKey) stöds inte; ange formulärfälten (camunda:formData)"),
    ("the user task has no form fields; it can only be marked done",
     "användaruppgiften har inga formulärfält; den kan bara markeras som klar"),
    ("form field '{field}': the id must start with a letter and use only letters, digits and _",
     "formulärfältet '{field}': id:t måste börja med en bokstav och får bara innehålla bokstäver, siffror och _"),
    ("form field '{field}' is declared twice", "formulärfältet '{field}' finns två gånger"),
    ("form field '{field}' has type '{type}'; supported: {types}",
     "formulärfältet '{field}' har typen '{type}'; de typer som stöds är {types}"),
    ("form field '{field}' names a person (anvandare) but is not a string field",
     "formulärfältet '{field}' anger en person (anvandare) men är inte ett textfält"),
    ("form field '{field}': ur_personnummer belongs on a field of the start event's form (registration)",
     "formulärfältet '{field}': ur_personnummer hör hemma på ett fält i starthändelsens formulär (registreringen)"),
    ("form field '{field}': ur_personnummer is '{value}'; write {choices}",
     "formulärfältet '{field}': ur_personnummer är '{value}'; skriv {choices}"),
    ("form field '{field}': ur_personnummer {answer} needs a {type} field",
     "formulärfältet '{field}': ur_personnummer {answer} kräver ett fält av typen {type}"),
    ("form field '{field}': ur_personnummer kon needs the values kvinna and man",
     "formulärfältet '{field}': ur_personnummer kon kräver värdena kvinna och man"),
    ("form field '{field}': delas_med_remittent is '{value}'; write {choices}",
     "formulärfältet '{field}': delas_med_remittent är '{value}'; skriv {choices}"),
    ("a form on a start event is read only on the process's own plain start event (what "
     "registration asks); ask in a user task instead",
     "ett formulär på en starthändelse läses bara på processens egen enkla starthändelse (det som "
     "registreringen frågar); fråga i en användaruppgift i stället"),
    ("form field '{field}' is an enum without values (camunda:value)",
     "formulärfältet '{field}' är en vallista (enum) utan värden (camunda:value)"),
    ("form field '{field}': validation '{name}' is not supported; supported: {names}",
     "formulärfältet '{field}': valideringen '{name}' stöds inte; de som stöds är {names}"),
    ("form field '{field}': {reason}", "formulärfältet '{field}': {reason}"),
    ("validation '{name}' needs a value", "valideringen '{name}' behöver ett värde"),
    ("validation '{name}' needs a whole number", "valideringen '{name}' behöver ett heltal"),
    ("validation '{name}' needs an ISO date (YYYY-MM-DD) or idag on a date field",
     "valideringen '{name}' behöver ett ISO-datum (ÅÅÅÅ-MM-DD) eller idag på ett datumfält"),
    ("validation '{name}' needs a number", "valideringen '{name}' behöver ett tal"),
    # --- engine/definitions/validation/notice_properties.py, engine/language/notice_templates.py ---------
    ("a <{element}> cannot send a notice (meddela); put it on a task or an event",
     "ett <{element}> kan inte skicka ett meddelande (meddela); lägg det på en uppgift eller en händelse"),
    ("meddela names who to tell but there is no meddelande (the text to send)",
     "meddela anger vem som ska få veta men det finns inget meddelande (texten som ska skickas)"),
    ("meddelande has a text but meddela names nobody to send it to",
     "meddelande har en text men meddela anger ingen att skicka den till"),
    ("kalender marks a meeting task: only a user task can send a calendar invitation",
     "kalender markerar en mötesuppgift: bara en användaruppgift kan skicka en kalenderinbjudan"),
    ("kalender_till names who to invite but kalender names no date",
     "kalender_till anger vilka som ska bjudas in men kalender anger inget datum"),
    ("kalender '{value}' is neither {due} (the task's due date) nor a date field of the process's forms",
     "kalender '{value}' är varken {due} (uppgiftens förfallodatum) eller ett datumfält i processens formulär"),
    ("kalender is {due} but the task has no due date (camunda:dueDate)",
     "kalender är {due} men uppgiften har inget förfallodatum (camunda:dueDate)"),
    ("meddelande is longer than {n} characters", "meddelande är längre än {n} tecken"),
    ("meddelande: unknown placeholder {{{name}}} (use {known}, or a date, number, yes/no or choice field of "
     "the process's forms)",
     "meddelande: okänd platshållare {{{name}}} (använd {known} eller ett datum-, tal-, ja/nej- eller valfält "
     "i processens formulär)"),
    ("meddelande: {{{name}}} is a free-text field; its text may hold sensitive information and is never "
     "mailed (use a date, number, yes/no or choice field)",
     "meddelande: {{{name}}} är ett fritextfält; texten kan innehålla känsliga uppgifter och skickas aldrig "
     "med e-post (använd ett datum-, tal-, ja/nej- eller valfält)"),
    ("meddela: {reason}", "meddela: {reason}"),
    ("meddelande: {reason}", "meddelande: {reason}"),
    ("kalender_till: {reason}", "kalender_till: {reason}"),
    ("a lone '{token}' (write {{{{ or }}}} for a brace)",
     "ett ensamt '{token}' (skriv {{{{ eller }}}} för en klammerparentes)"),
    ("'{{{text}}}' is not a placeholder (only {{name}}, no formats or attributes)",
     "'{{{text}}}' är ingen platshållare (bara {{namn}}, utan format eller attribut)"),
    ("'{name}' is only known on a user task", "'{name}' finns bara på en användaruppgift"),
    ("'{name}' needs a role name after the colon", "'{name}' behöver ett rollnamn efter kolonet"),
    ("'{name}' needs a data name after the colon", "'{name}' behöver ett datanamn efter kolonet"),
    ("unknown recipient '{name}' (known: {known})", "okänd mottagare '{name}' (kända: {known})"),
    # --- engine/definitions/validation/dmn.py: decision tables -------------------------------------------
    ("the DMN file contains no decision", "DMN-filen innehåller inget beslut"),
    ("only decision tables are supported", "bara beslutstabeller stöds"),
    # --- engine/language/expressions: why an expression is refused ---------------------------------------
    ("an expression must be text", "ett uttryck måste vara text"),
    ("expression is too long ({n} characters, at most {max})", "uttrycket är för långt ({n} tecken, högst {max})"),
    ("expression is empty", "uttrycket är tomt"),
    ("syntax error at column {n}: {reason}", "syntaxfel vid tecken {n}: {reason}"),
    ("expression cannot be read: it contains a null character",
     "uttrycket kan inte läsas: det innehåller ett nolltecken"),
    ("expression cannot be read: it is nested too deeply", "uttrycket kan inte läsas: det är för djupt nästlat"),
    ("expression is nested too deeply (more than {n} levels)", "uttrycket är för djupt nästlat (mer än {n} nivåer)"),
    ("expression is nested too deeply", "uttrycket är för djupt nästlat"),
    ("lambda is not allowed", "lambda är inte tillåtet"),
    ("':=' is not allowed", "':=' är inte tillåtet"),
    ("'*' unpacking is not allowed", "uppackning med '*' är inte tillåten"),
    ("'**' unpacking is not allowed", "uppackning med '**' är inte tillåten"),
    ("await is not allowed", "await är inte tillåtet"),
    ("yield is not allowed", "yield är inte tillåtet"),
    ("a set comprehension is not allowed", "en mängdbyggare (set comprehension) är inte tillåten"),
    ("a dict comprehension is not allowed", "en ordboksbyggare (dict comprehension) är inte tillåten"),
    ("{node} is not allowed in an expression", "{node} är inte tillåtet i ett uttryck"),
    ("function '{name}' is not allowed", "funktionen '{name}' är inte tillåten"),
    ("operator '{symbol}' is not allowed", "operatorn '{symbol}' är inte tillåten"),
    ("name '{name}' is not allowed", "namnet '{name}' är inte tillåtet"),
    ("attribute '{name}' is not allowed", "attributet '{name}' är inte tillåtet"),
    ("{type} values are not allowed", "värden av typen {type} är inte tillåtna"),
    ("only named functions and methods can be called", "bara funktioner och metoder med namn kan anropas"),
    ("a loop variable must be a plain name", "en loopvariabel måste vara ett enkelt namn"),
    # ... and why a part that reads no data fails on every run (engine/language/expressions/interpreter.py)
    ("'{part}' fails on every run: {reason}", "'{part}' misslyckas varje gång: {reason}"),
    ("{thing} would build a value of {n} items (at most {max})",
     "{thing} skulle bygga ett värde med {n} delar (högst {max})"),
    ("{thing} gives a number that is too large (more than {max} bits)",
     "{thing} ger ett för stort tal (mer än {max} bitar)"),
    ("{thing} would print a value of {n} items (at most {max})",
     "{thing} skulle skriva ut ett värde med {n} delar (högst {max})"),
    ("the expressions of this step need too much work together (more than {n}) and were stopped: does an "
     "automatic loop evaluate a costly condition again and again?",
     "uttrycken i det här steget kräver tillsammans för mycket arbete (mer än {n}) och stoppades: räknar en "
     "automatisk loop ut ett krävande villkor om och om igen?"),
    ("expression needs too much memory and was stopped", "uttrycket kräver för mycket minne och stoppades"),
    ("expression needs too much work and was stopped (a value too large)",
     "uttrycket kräver för mycket arbete och stoppades (ett för stort värde)"),
    ("expression needs too much work and was stopped", "uttrycket kräver för mycket arbete och stoppades"),
    ("expression failed: {reason}", "uttrycket misslyckades: {reason}"),
    ("unknown name '{name}'", "okänt namn '{name}'"),
    ("cannot use a sign on {type}", "ett tecken (+ eller -) kan inte användas på {type}"),
    ("'%' formatting of text is not allowed; use an f-string",
     "formatering av text med '%' är inte tillåten; använd en f-sträng"),
    ("division by zero", "division med noll"),
    ("'{symbol}' gives a number or a date out of range", "'{symbol}' ger ett tal eller ett datum utanför det möjliga"),
    ("cannot use '{symbol}' on {left} and {right}", "'{symbol}' kan inte användas på {left} och {right}"),
    ("'*' would give a number that is too large", "'*' skulle ge ett för stort tal"),
    ("cannot compare {left} and {right} with '{symbol}'", "{left} och {right} kan inte jämföras med '{symbol}'"),
    ("{type} cannot be indexed", "{type} kan inte indexeras"),
    ("no key {key}", "nyckeln {key} finns inte"),
    ("index {index} is out of range", "index {index} finns inte"),
    ("cannot index {type} with {key}", "{type} kan inte indexeras med {key}"),
    ("format '{spec}' is too large", "formatet '{spec}' är för stort"),
    ("cannot format {type} with '{spec}': {reason}", "{type} kan inte formateras med '{spec}': {reason}"),
    ("'{type}' has no allowed attribute '{name}'", "'{type}' har inget tillåtet attribut '{name}'"),
    ("'{name}' is a data value, not a function", "'{name}' är ett datavärde, inte en funktion"),
    ("unknown function '{name}'", "okänd funktion '{name}'"),
    ("'{name}' is not a method", "'{name}' är ingen metod"),
    ("{func}() was given a callable value that is not a known function",
     "{func}() fick ett anropbart värde som inte är en känd funktion"),
    ("cannot loop over {type}", "det går inte att loopa över {type}"),
    ("cannot unpack {type} into {n} names", "{type} kan inte delas upp i {n} namn"),
    ("set: {reason}", "mängd (set): {reason}"),
    ("dict: {reason}", "ordbok (dict): {reason}"),
    # engine/language/expressions/functions.py: the functions an expression may call
    ("date() needs text or a date, not {type}", "date() behöver en text eller ett datum, inte {type}"),
    ("date({value}): expected a date like '2026-03-01'", "date({value}): ett datum som '2026-03-01' förväntades"),
    ("datetime({value}): expected a date and time like '2026-03-01T09:30'",
     "datetime({value}): ett datum med klockslag som '2026-03-01T09:30' förväntades"),
    ("datetime() needs text or a date, not {type}", "datetime() behöver en text eller ett datum, inte {type}"),
    ("{func}() needs a date or a datetime, not {type}",
     "{func}() behöver ett datum eller ett datum med klockslag, inte {type}"),
    ("{func}() needs a number, not {type}", "{func}() behöver ett tal, inte {type}"),
    ("add_months() needs a whole number of months, not {type}",
     "add_months() behöver ett helt antal månader, inte {type}"),
    ("add_months(): the result is outside the calendar", "add_months(): resultatet hamnar utanför kalendern"),
    ("iso() needs a date, a datetime or a duration, not {type}",
     "iso() behöver ett datum, ett datum med klockslag eller en varaktighet, inte {type}"),
    ("sum() adds numbers or durations only; for durations write sum(x, days(0))",
     "sum() adderar bara tal eller varaktigheter; för varaktigheter, skriv sum(x, days(0))"),
    ("round(): the number of digits must be a whole number from -{max} to {max}",
     "round(): antalet decimaler måste vara ett heltal från -{max} till {max}"),
    ("int(): a number of {n} digits is too large", "int(): ett tal med {n} siffror är för stort"),
    ("int(): a base is only allowed with text", "int(): en bas är bara tillåten tillsammans med text"),
    ("{func}(): {reason}", "{func}(): {reason}"),
    # Python's own words, quoted by the messages above (the commonest ones; others are kept as they are).
    ("invalid syntax", "ogiltig syntax"),
    ("invalid syntax. Perhaps you forgot a comma?", "ogiltig syntax; saknas ett kommatecken?"),
    ("invalid syntax. Maybe you meant '==' or ':=' instead of '='?",
     "ogiltig syntax; menade du '==' i stället för '='?"),
    ("'{symbol}' was never closed", "'{symbol}' stängs aldrig"),
    ("unmatched '{symbol}'", "'{symbol}' har ingen början"),
    ("closing parenthesis '{symbol}' does not match opening parenthesis '{opening}'",
     "den avslutande '{symbol}' passar inte ihop med den inledande '{opening}'"),
    ("closing parenthesis '{symbol}' does not match opening parenthesis '{opening}' on line {n}",
     "den avslutande '{symbol}' passar inte ihop med den inledande '{opening}' på rad {n}"),
    ("unterminated string literal (detected at line {n})", "en text saknar sitt avslutande citattecken"),
    ("unterminated triple-quoted string literal (detected at line {n})",
     "en text saknar sina avslutande citattecken"),
    ("invalid decimal literal", "ogiltigt tal"),
    ("invalid character '{symbol}' (U+{code})", "ogiltigt tecken '{symbol}' (U+{code})"),
    ("expected '{symbol}' after '{opening}' expression", "'{symbol}' saknas efter '{opening}'"),
    ("expected '{symbol}'", "'{symbol}' saknas"),
    ("leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
     "ett heltal får inte börja med 0"),
    ("unexpected EOF while parsing", "uttrycket tar slut för tidigt"),
    ("f-string: expecting '}}'", "f-sträng: '}}' saknas"),
    ("f-string: {reason}", "f-sträng: {reason}"),
    ("invalid literal for int() with base {n}: {value}", "ogiltigt heltal för int() med basen {n}: {value}"),
    ("could not convert string to float: {value}", "texten kan inte läsas som ett tal: {value}"),
    ("{func}() arg is an empty sequence", "{func}() fick en tom följd"),
    ("{func}() iterable argument is empty", "{func}() fick en tom följd"),
    ("object of type '{type}' has no len()", "värden av typen '{type}' har ingen längd (len())"),
    ("unhashable type: '{type}'", "värden av typen '{type}' kan inte ingå i en mängd eller vara nycklar"),
    ("'{symbol}' not supported between instances of '{left}' and '{right}'",
     "'{symbol}' kan inte jämföra '{left}' och '{right}'"),
    ("unsupported operand type(s) for {symbol}: '{left}' and '{right}'",
     "'{symbol}' kan inte användas på '{left}' och '{right}'"),
    ("Unknown format code '{symbol}' for object of type '{type}'",
     "okänd formatkod '{symbol}' för värden av typen '{type}'"),
    ("Invalid isoformat string: {value}", "ogiltig ISO 8601-text: {value}"),
    ("day is out of range for month", "dagen finns inte i den månaden"),
    ("month must be in 1..12", "månaden måste vara 1–12"),
    ("hour must be in 0..23", "timmen måste vara 0–23"),
    ("minute must be in 0..59", "minuten måste vara 0–59"),
    ("second must be in 0..59", "sekunden måste vara 0–59"),
    ("year {n} is out of range", "året {n} går inte att använda"),
    ("date value out of range", "datumet går inte att använda"),
    ("offset must be a timedelta strictly between {detail}",
     "tidszonen måste ligga mindre än 24 timmar från UTC"),
    # --- engine/language/timers.py: ISO 8601 timer texts -------------------------------------------------
    ("not an ISO 8601 {kind}: {text} ({reason}); write e.g. {examples}",
     "inte en ISO 8601-{kind}: {text} ({reason}); skriv t.ex. {examples}"),
    ("not an ISO 8601 {kind}: {text}; write e.g. {examples}",
     "inte en ISO 8601-{kind}: {text}; skriv t.ex. {examples}"),
    ("expected text", "en text förväntades"),
    ("only seconds may have a fraction", "bara sekunder får ha decimaler"),
    ("negative durations are not allowed", "negativa varaktigheter är inte tillåtna"),
    ("R0 never fires", "R0 löser aldrig ut"),
    ("the last part must be a duration; cycles ending at a date are not supported",
     "sista delen måste vara en varaktighet; upprepningar som slutar vid ett datum stöds inte"),
    ("the middle part must be a start date-time", "mittendelen måste vara en starttidpunkt"),
    ("the period must be longer than zero", "perioden måste vara längre än noll"),
    ("{text}: cron expressions are not supported; write an ISO 8601 cycle such as R/P1M",
     "{text}: cron-uttryck stöds inte; skriv en ISO 8601-upprepning som R/P1M"),
    ("a duration cannot be added a negative number of times ({n})",
     "en varaktighet kan inte läggas till ett negativt antal gånger ({n})"),
    ("{duration} × {n} from {moment} falls outside the calendar",
     "{duration} × {n} från {moment} hamnar utanför kalendern"),
    ("occurrence number must be 0 or more, not {n}", "ordningstalet måste vara 0 eller mer, inte {n}"),
    ("unknown timer kind {value}; expected one of {choices}", "okänd sorts timer {value}; förväntade en av {choices}"),
    ("a {kind} timer cannot use a value of type {type} ({value})",
     "en timer med {kind} kan inte använda ett värde av typen {type} ({value})"),
    ("the date {date} is outside {first}–{last}", "datumet {date} ligger utanför åren {first}–{last}"),
    ("the cycle starts outside {first}–{last}", "upprepningen börjar utanför åren {first}–{last}"),
    ("{duration} is longer than the longest wait allowed ({longest})",
     "{duration} är längre än den längsta tillåtna väntan ({longest})"),
    ("a cycle of {duration} fires too often: the shortest period allowed is PT{n}H",
     "en upprepning var {duration} löser ut för ofta: den kortaste tillåtna perioden är PT{n}H"),
]


# --- compiling the catalog ------------------------------------------------------------------------------

_TOKEN = re.compile(r"\{\{|\}\}|\{(\w+)\}")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_NUMBER = r"-?[0-9]+"
#: Parts that are names or numbers: matched strictly, so a general template cannot swallow a message.
_SHAPES = {"func": _NAME, "prop": _NAME, "n": _NUMBER, "line": _NUMBER, "max": _NUMBER, "count": _NUMBER,
           "first": _NUMBER, "last": _NUMBER, "code": "[0-9A-F]{4,6}"}


def _parts(template: str) -> list[tuple[str, str | None]]:
    """A template as (literal text, None) and (placeholder name, name) pieces, in order."""
    pieces: list[tuple[str, str | None]] = []
    at = 0
    for match in _TOKEN.finditer(template):
        if match.start() > at:
            pieces.append((template[at:match.start()], None))
        if match.group(1) is None:
            pieces.append((match.group(0)[0], None))
        else:
            pieces.append((match.group(1), match.group(1)))
        at = match.end()
    if at < len(template):
        pieces.append((template[at:], None))
    return pieces


def placeholders(template: str) -> list[str]:
    """The names of a template's placeholders, in order (a name used twice is listed twice)."""
    return [name for _text, name in _parts(template) if name is not None]


def literal(template: str, hole: str = "") -> str:
    """The template's own text, every placeholder replaced by ``hole`` and ``{{``/``}}`` unescaped."""
    return "".join(hole if name is not None else text for text, name in _parts(template))


def _alternatives(templates: Sequence[str]) -> str:
    return "|".join(_pattern(t, named=False) for t in sorted(templates, key=len, reverse=True))


def _shape(name: str) -> str:
    if name == "what":
        return _alternatives([english for english, _ in WHATS])
    if name == "kind":
        return "|".join(KINDS)
    if name == "examples":
        return "|".join(re.escape(english) for english, _ in EXAMPLES)
    return _SHAPES.get(name, ".*?")


def _pattern(template: str, *, named: bool = True) -> str:
    out: list[str] = []
    seen: set[str] = set()
    for text, name in _parts(template):
        if name is None:
            out.append(re.escape(text))
        elif not named:
            out.append(f"(?:{_shape(name)})")
        elif name in seen:
            out.append(f"(?P={name})")
        else:
            seen.add(name)
            out.append(f"(?P<{name}>{_shape(name)})")
    return "".join(out)


@dataclass(frozen=True)
class _Entry:
    english: str
    swedish: str
    pattern: re.Pattern[str]

    def render(self, match: re.Match[str], fill: Callable[[str, str], str]) -> str:
        return "".join(fill(name, match.group(name)) if name is not None else text
                       for text, name in _parts(self.swedish))


def _compile(pairs: Sequence[tuple[str, str]]) -> list[_Entry]:
    entries = []
    for english, swedish in pairs:
        unknown = set(placeholders(swedish)) - set(placeholders(english))
        if unknown:
            raise ValueError(f"the Swedish text of {english!r} uses {sorted(unknown)}, which the English has not")
        entries.append(_Entry(english, swedish, re.compile(_pattern(english), re.DOTALL)))
    return entries


_MESSAGES = _compile(MESSAGES)
_WHATS = _compile(WHATS)
_THINGS = _compile(THINGS)
_EXAMPLES: Mapping[str, str] = dict(EXAMPLES)


def _fill(name: str, value: str) -> str:
    if name.startswith("reason"):
        return in_swedish(value)
    if name == "what":
        return _translate(value, _WHATS) or value
    if name == "thing":
        return _translate(value, _THINGS) or value
    if name == "kind":
        return KINDS.get(value, value)
    if name == "examples":
        return _EXAMPLES.get(value, value)
    if name == "choices":
        return value.replace(" or ", " eller ")
    return value


def _translate(text: str, entries: Sequence[_Entry]) -> str | None:
    for entry in entries:
        match = entry.pattern.fullmatch(text)
        if match is not None:
            return entry.render(match, _fill)
    return None


# --- the public surface ---------------------------------------------------------------------------------


def in_swedish(message: str) -> str:
    """The engine's English ``message`` in Swedish; the message as it is if no template matches it
    (a message already in Swedish, or words only SpiffWorkflow or Python could say)."""
    return _translate(message, _MESSAGES) or message


def problem_text(problem: Problem, language: str) -> str:
    """A problem's message in ``language``: "sv" (or "sv_SE" …) gives Swedish, anything else English."""
    if str(language).replace("-", "_").split("_")[0].lower() == "sv":
        return in_swedish(problem.message)
    return problem.message
