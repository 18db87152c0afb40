"""Deployed process versions: validating, deploying, and the parsed spec of each version.

A deployment is immutable. A version holds its process's own files (the BPMN file and the DMN files
it takes decisions from), whatever else was deployed with them. Deploying the same own files as the
newest version of a key deploys nothing new; anything else becomes version n+1. The parsed spec of a
version is built once per process and kept in memory (a version's spec never changes).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lxml import etree

from engine.cases import start_schedule
from engine.definitions import model_files, xml_safety
from engine.errors import InvalidProcess, NotFound, Problem
from engine.language.follow_up import indicators_from
from engine.persistence import store, version_store
from engine.persistence.db import Database, Session
from engine.persistence.models import ProcessVersionRow
from engine.spiff import call_activities, loading
from engine.spiff.runtime import element_of
from engine.spiff.specs import follow_up_of, form_of, start_of
from engine.spiff.start_events import StartTimer, has_plain_start, message_starts, start_timer_of
from engine.spiff.state import SERIALIZER_VERSION, SpecBundle
from engine.views import Form, ProcessVersion, SourceFile
from engine.views.followup import Indicators


def content_hash(files: Sequence[SourceFile]) -> str:
    digest = hashlib.sha256()
    for source in sorted(files, key=lambda f: f.name):
        digest.update(source.name.encode() + b"\0" + source.content + b"\0")
    return digest.hexdigest()


#: What a stored parsed spec holds beyond SpiffWorkflow's own: 2, start events keep registration's
#: form and whether the process is a participant journey; 3, also its follow-up properties
#: (engine/spiff/specs.py).
SPEC_FORMAT = 3


def version_view(row: ProcessVersionRow) -> ProcessVersion:
    return ProcessVersion(row.key, row.name, row.version, row.content_hash, row.deployed_at, row.deployed_by)


class Catalog:
    def __init__(self, db: Database, *, allow_scripts: bool = False) -> None:
        self.db = db
        self.allow_scripts = allow_scripts
        self._bundles: dict[int, SpecBundle] = {}
        self._start_triggers: dict[int, tuple[frozenset[str], bool]] = {}
        self._forms: dict[int, dict[str, Form]] = {}
        self._called_steps: dict[int, dict[str, tuple[str, str]]] = {}
        self._starts: dict[int, tuple[bool, Form]] = {}
        self._indicators: dict[int, Indicators] = {}
        self._version_ids: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()
        #: A sandbox's catalog resolves a call to a process it does not have in this one.
        self.outside: Catalog | None = None

    def validate(self, files: Sequence[SourceFile]) -> list[Problem]:
        """Every problem in these files (errors and warnings); an empty list means deployable."""
        with self.db.reading() as session:
            return loading.load(list(files), allow_scripts=self.allow_scripts,
                                resolver=self.resolver(session)).problems

    def resolver(self, session: Session) -> loading.Resolver:
        """The deployed versions call activities call: a key's given version, or its newest (and,
        for a sandbox's catalog, those of the catalog it was made from: :attr:`outside`)."""

        def resolve(key: str, version: int | None) -> loading.CalledVersion | None:
            row = store.latest_version(session, key) if version is None else \
                version_store.version_row(session, key, version)
            if row is None:
                return self.outside.resolver_outside(key, version) if self.outside is not None else None
            files = model_files.of_process(key, [SourceFile(s["name"], s["content"].encode("utf-8"))
                                                  for s in row.sources])
            return loading.CalledVersion(key, row.version, self.bundle(row.id, session), tuple(files))

        return resolve

    def resolver_outside(self, key: str, version: int | None) -> loading.CalledVersion | None:
        """:meth:`resolver`, in a reading transaction of its own."""
        with self.db.reading() as session:
            return self.resolver(session)(key, version)

    def deploy(self, files: Sequence[SourceFile], actor: str, now: datetime, *,
               keep_published: bool = False) -> list[ProcessVersion]:
        """Validate, then store each executable process as a new version of its key, holding the
        process's own files (:func:`model_files.of_process`): a bundle of journeys gives each its
        version, and a change to one journey's file makes a new version of that journey only.

        A process whose own files are those of its newest version is left as it is. With
        ``keep_published`` (deploying ``processes/`` at start-up), so is a process whose files are
        those of any of its versions: a version published since in the designer stays the newest."""
        deployed: dict[str, ProcessVersion] = {}
        with self.db.transaction() as session:
            result = loading.load(list(files), allow_scripts=self.allow_scripts, resolver=self.resolver(session))
            if result.errors:
                raise InvalidProcess(result.errors)
            # A called process of the same deployment first: its caller records the version it calls.
            for process in called_first(result.processes):
                own = model_files.of_process(process.key, files)
                texts = [SourceFile(f.name, _as_text(f).encode("utf-8")) for f in own]
                digest = content_hash(own)
                uses = [(c.element, c.key, c.version if c.version is not None else deployed[c.key].version)
                        for c in process.calls if c.version is not None or c.key in deployed]
                calls = [{"element": element, "key": called_key, "version": version}
                         for element, called_key, version in uses]
                called = {**process.called_versions, **{called_key: version for _, called_key, version in uses}}
                known = self._known_version(session, process.key, digest, content_hash(texts),
                                            any_version=keep_published)
                if known is not None and dict((known.spec or {}).get(CALLED) or {}) == called:
                    start_schedule.adopt(session, process.key, known.id, start_timer_of(process.bundle.specs()[0]), now)
                    deployed[process.key] = version_view(known)
                    continue
                row = ProcessVersionRow(
                    key=process.key, name=process.name, content_hash=digest,
                    version=store.next_version_number(session, process.key),
                    sources=[{"name": f.name, "content": f.content.decode("utf-8")} for f in texts],
                    spec={**process.bundle.to_json(), "serializer_version": SERIALIZER_VERSION,
                          "spec_format": SPEC_FORMAT, CALLS: calls, CALLED: called},
                    deployed_at=now, deployed_by=actor,
                )
                session.add(row)
                session.flush()
                spec, _subprocesses = process.bundle.specs()
                start_schedule.on_deploy(session, process.key, row.id, start_timer_of(spec), now)
                with self._lock:
                    self._bundles[row.id] = process.bundle
                deployed[process.key] = version_view(row)
        return [deployed[p.key] for p in result.processes]

    def calls(self, key: str, version: int) -> list[tuple[str, str, int]]:
        """The call activities of one deployed version: (element id, called key, called version)."""
        with self.db.reading() as session:
            row = version_store.version_row(session, key, version)
            if row is None:
                raise NotFound(f"process {key} version {version} does not exist")
            return [(c["element"], c["key"], int(c["version"])) for c in (row.spec or {}).get(CALLS, [])]

    def would_call(self, files: Sequence[SourceFile], key: str) -> list[tuple[str, str, int | None]]:
        """What the call activities of ``key`` would call were these files deployed now: (element id,
        called key, version; None for a process deployed together with it). Empty if they do not load."""
        with self.db.reading() as session:
            result = loading.load(list(files), allow_scripts=self.allow_scripts, resolver=self.resolver(session))
        process = next((p for p in result.processes if p.key == key), None)
        return [] if process is None else [(c.element, c.key, c.version) for c in process.calls]

    @staticmethod
    def _known_version(session: Session, key: str, digest: str, text_digest: str, *,
                       any_version: bool) -> ProcessVersionRow | None:
        """The version (the newest, or with ``any_version`` any) whose own files are these: the
        same ``digest``, or, for a version deployed as a whole bundle (before a version held only
        its process's own files), the same stored text of its own files (``text_digest``)."""
        rows = list(store.versions_of(session, key))[::-1]
        for row in rows if any_version else rows[:1]:
            if row.content_hash == digest:
                return row
            stored = [SourceFile(s["name"], s["content"].encode("utf-8")) for s in row.sources]
            own = model_files.of_process(key, stored)
            if len(own) != len(stored) and content_hash(own) == text_digest:
                return row
        return None

    def bundle(self, version_id: int, session: Session | None = None) -> SpecBundle:
        """The parsed spec of one deployed version (parsed from its stored sources on first use).

        Pass the caller's session when inside a transaction: SQLite allows one writer at a time.
        """
        with self._lock:
            cached = self._bundles.get(version_id)
        if cached is not None:
            return cached
        if session is None:
            with self.db.reading() as own:
                key, sources, stored = self._sources(own, version_id)
        else:
            key, sources, stored = self._sources(session, version_id)
        if stored is not None:
            bundle = SpecBundle.from_json(stored)
            with self._lock:
                self._bundles[version_id] = bundle
            return bundle
        files = [SourceFile(s["name"], s["content"].encode("utf-8")) for s in sources]
        # Stored versions were valid when deployed; parse them with scripts allowed so that a
        # version deployed under an operator's permission keeps running, and with the versions
        # its call activities called when it was deployed.
        called = self._called_of(version_id, session)

        def recorded(called_key: str, _version: int | None) -> loading.CalledVersion | None:
            if called_key not in called:
                return None
            return self.resolver_outside(called_key, called[called_key]) if session is None else \
                self.resolver(session)(called_key, called[called_key])

        result = loading.load(files, allow_scripts=True, resolver=recorded)
        match = next((p for p in result.processes if p.key == key), None)
        if match is None:
            raise InvalidProcess(result.errors or [Problem("(stored)", key, "stored version no longer parses")])
        with self._lock:
            self._bundles[version_id] = match.bundle
        return match.bundle

    def forms(self, key: str, version: int) -> dict[str, Form]:
        """The form of every user task of one deployed version (sub-processes too), by element id;
        tasks without fields are left out. Read once per version, as its spec is."""
        version_id = self._version_id(key, version)
        with self._lock:
            cached = self._forms.get(version_id)
        if cached is not None:
            return cached
        spec, subprocess_specs = self.bundle(version_id).specs()
        found: dict[str, Form] = {}
        for process in (spec, *subprocess_specs.values()):
            for task_spec in process.task_specs.values():
                form = form_of(task_spec)
                if form.fields:
                    found.setdefault(element_of(task_spec), form)
        with self._lock:
            self._forms[version_id] = found
        return found

    def called_steps(self, key: str, version: int) -> dict[str, tuple[str, str]]:
        """Every element of the processes one deployed version's call activities call (at any
        depth), by id → (the call activity of the version's own diagram it runs inside, its name):
        the version's diagram draws a step of a called process as that call activity."""
        version_id = self._version_id(key, version)
        with self._lock:
            cached = self._called_steps.get(version_id)
        if cached is not None:
            return cached
        found = call_activities.called_steps(*self.bundle(version_id).specs())
        with self._lock:
            self._called_steps[version_id] = found
        return found

    def start_form(self, key: str, version: int) -> Form:
        """The form of one deployed version's start event (may be empty)."""
        return self.start(self._version_id(key, version))[1]

    def _version_id(self, key: str, version: int) -> int:
        """The id of a deployed version (a version, once deployed, is never changed nor removed)."""
        with self._lock:
            known = self._version_ids.get((key, version))
        if known is not None:
            return known
        with self.db.reading() as session:
            found = version_store.version_id(session, key, version)
        if found is None:
            raise NotFound(f"process {key} version {version} does not exist")
        with self._lock:
            self._version_ids[(key, version)] = found
        return found

    def start(self, version_id: int, session: Session | None = None) -> tuple[bool, Form]:
        """Whether one deployed version is a participant journey (process property
        ``deltagarresa``), and the form of its start event (what registration asks; may be empty)."""
        with self._lock:
            cached = self._starts.get(version_id)
        if cached is not None:
            return cached
        spec, _subprocesses = self.bundle(version_id, session).specs()
        found = start_of(spec)
        with self._lock:
            self._starts[version_id] = found
        return found

    def message_starts(self, version_id: int) -> frozenset[str]:
        """The messages one deployed version opens a case on (its message start events)."""
        return self._triggers(version_id)[0]

    def starts_plainly(self, version_id: int) -> bool:
        """Whether a case of one deployed version can be started by hand (a plain start event)."""
        return self._triggers(version_id)[1]

    def _triggers(self, version_id: int) -> tuple[frozenset[str], bool]:
        with self._lock:
            cached = self._start_triggers.get(version_id)
        if cached is not None:
            return cached
        spec, _subprocesses = self.bundle(version_id).specs()
        found = (message_starts(spec), has_plain_start(spec))
        with self._lock:
            self._start_triggers[version_id] = found
        return found

    def start_timer(self, version_id: int, session: Session | None = None) -> tuple[StartTimer | None, bool]:
        """One deployed version's timer start event (None: it has none), and whether it also has a
        plain start event (a case may then be opened by hand)."""
        spec, _subprocesses = self.bundle(version_id, session).specs()
        return start_timer_of(spec), has_plain_start(spec)

    def indicators(self, version_id: int, session: Session | None = None) -> Indicators:
        """What one deployed version declares for the follow-up (process properties ``uppfoljning.*``)."""
        with self._lock:
            cached = self._indicators.get(version_id)
        if cached is not None:
            return cached
        spec, _subprocesses = self.bundle(version_id, session).specs()
        found = indicators_from(follow_up_of(spec))
        with self._lock:
            self._indicators[version_id] = found
        return found

    def _called_of(self, version_id: int, session: Session | None) -> dict[str, int]:
        if session is None:
            with self.db.reading() as own:
                return self._called_of(version_id, own)
        row = store.version_by_id(session, version_id)
        return dict((row.spec or {}).get(CALLED, {})) if row is not None else {}

    @staticmethod
    def _sources(session: Session, version_id: int) -> tuple[str, list[dict[str, str]], dict[str, Any] | None]:
        row = store.version_by_id(session, version_id)
        if row is None:
            raise NotFound(f"process version {version_id} does not exist")
        # A version stored by an older serializer, or before its spec kept what the engine reads
        # now (SPEC_FORMAT), is parsed again from its sources.
        stored = row.spec if row.spec and row.spec.get("serializer_version") == SERIALIZER_VERSION \
            and row.spec.get("spec_format") == SPEC_FORMAT else None
        return row.key, list(row.sources), stored


#: What a deployed version's stored spec records of its call activities: each one's element, key
#: and the version it calls; and the version of every process its spec holds, by key.
CALLS, CALLED = "calls", "called_versions"


def called_first(processes: Sequence[loading.ParsedProcess]) -> list[loading.ParsedProcess]:
    """The processes of one deployment, each after those of the deployment it calls."""
    by_key = {p.key: p for p in processes}
    ordered: list[loading.ParsedProcess] = []
    placed: set[str] = set()

    def place(process: loading.ParsedProcess) -> None:
        if process.key in placed:
            return
        placed.add(process.key)
        for call in process.calls:
            if call.version is None and call.key in by_key:
                place(by_key[call.key])
        ordered.append(process)

    for process in processes:
        place(process)
    return ordered


def _as_text(source: SourceFile) -> str:
    """The file as UTF-8 text with its declaration rewritten, whatever encoding it came in."""
    tree = xml_safety.parse_xml(source.content, source.name)
    return str(etree.tostring(tree, xml_declaration=True, encoding="UTF-8").decode("utf-8"))
