"""Property-based run of the API against its own OpenAPI document (schemathesis).

Every operation of the generated document gets generated requests, sent to the
app in-process (WSGI), once with an admin's token and once with an operator's;
an answer fails when it is a 5xx, a status the document does not list for
that operation, a content type it does not declare, or a body outside its
schema. The short run of the test suite (tests/api/test_fuzz.py) calls
:func:`fuzz` with a few examples per operation; this is the longer run:

    python -m bench api_fuzz                          # SQLite and PostgreSQL, 40 examples
    BENCH_FUZZ_EXAMPLES=300 BENCH_DBS=sqlite python -m bench api_fuzz

It prints the operations, the examples sent and every failure.
"""

from __future__ import annotations

import itertools
import os
import time
from dataclasses import dataclass, field

EXAMPLES = int(os.environ.get("BENCH_FUZZ_EXAMPLES", "40"))
SEED = int(os.environ.get("BENCH_FUZZ_SEED", "20261203"))
DBS = [d.strip() for d in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if d.strip()]


@dataclass
class FuzzReport:
    operations: int = 0
    examples: int = 0
    failures: list[str] = field(default_factory=list)


def fuzz(app, tokens: dict[str, str], *, examples: int, seed: int, modes=("positive", "negative")) -> FuzzReport:
    """Fuzz every operation once per token (role -> token) and generation mode
    (positive: requests the document allows; negative: requests it does not,
    which must be refused with a documented status); returns what it found."""
    import hypothesis
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from portal.api.openapi import build_document

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    with app.test_request_context():
        document = build_document(app)
    schema = schemathesis.openapi.from_dict(document)
    report = FuzzReport()
    for result in schema.get_all_operations():
        operation = result.ok()
        report.operations += 1
        for (role, token), mode in itertools.product(tokens.items(), modes):
            sent: list[int] = []
            run = _runner(operation, app, token, sent, checks, examples=examples, seed=seed, mode=mode)
            try:
                run()
            except hypothesis.errors.Unsatisfiable:  # nothing invalid to send (no parameters, no body)
                pass
            except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - reported, none stops the run
                report.failures.append(f"{operation.label} as {role} ({mode}): {_describe(failure)}")
            report.examples += len(sent)
    return report


def _describe(failure: BaseException) -> str:
    """Schemathesis' own account (status, the checks that failed, a curl line to reproduce)."""
    text = str(failure)
    if isinstance(failure, BaseExceptionGroup):
        text += "".join(f"\n    - {type(e).__name__}: {str(e)[:600]}" for e in failure.exceptions)
    return f"{type(failure).__name__}: {text}"


def _runner(operation, app, token: str, sent: list, checks, *, examples: int, seed: int, mode: str):
    import hypothesis
    from schemathesis import GenerationMode

    @hypothesis.settings(max_examples=examples, database=None, deadline=None,
                         phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
                         suppress_health_check=list(hypothesis.HealthCheck), print_blob=False)
    @hypothesis.seed(seed)
    @hypothesis.given(case=operation.as_strategy(generation_mode=GenerationMode(mode)))
    def run(case):
        sent.append(1)
        response = case.call(app=app, headers={"Authorization": f"Bearer {token}"})
        case.validate_response(response, checks=checks)

    return run


def tokens_for(app, roles=("admin", "operator")) -> dict[str, str]:
    from portal.auth.services import create_user, issue_token
    from portal.extensions import db

    tokens = {}
    with app.app_context():
        for role in roles:
            user = create_user(db.session, username=f"fuzz-{role}", password="fuzz-password-1", role=role)
            tokens[role] = issue_token(db.session, user=user, name="fuzz")[1]
        db.session.commit()
    return tokens


def main() -> None:
    from bench.dataset import _app, database

    print(f"API fuzz: schemathesis, {EXAMPLES} examples per operation and role, seed {SEED}", flush=True)
    failed = 0
    for kind in DBS:
        with database(kind) as url:
            app = _app(url)
            started = time.perf_counter()
            report = fuzz(app, tokens_for(app), examples=EXAMPLES, seed=SEED)
            seconds = time.perf_counter() - started
            print(f"{kind}: {report.operations} operations, {report.examples} examples, "
                  f"{len(report.failures)} failures, {seconds:.0f} s", flush=True)
            for failure in report.failures:
                print(f"  FAIL {failure}", flush=True)
            failed += len(report.failures)
            from portal.extensions import db

            with app.app_context():
                db.engine.dispose()
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
