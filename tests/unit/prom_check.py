#!/usr/bin/python3
# prom_check.py FILE [--names JSON]: checks that FILE is a Prometheus text exposition
# (format 0.0.4) with a real parser, prometheus_client's
# text_string_to_metric_families (Debian: python3-prometheus-client,
# installed by scripts/install-deps.sh), plus what Prometheus itself
# refuses at ingestion and that parser lets pass: a sample of a family
# with no TYPE, one series twice, a family's TYPE twice or after its
# samples. Prints "prom_check: N families, M samples: OK" and exits 0, or
# the first problem and exits 1 (2: the parser is not installed).
# --names JSON: also every vgpu_* name in JSON (the Grafana dashboard) must
# be a metric of FILE, so the dashboard is built from names that exist.
# Run by tests/unit/test_exporter_scrape.c; usable by hand on a scrape:
#   curl -s 127.0.0.1:9464/metrics > m.txt && tests/unit/prom_check.py m.txt
import re
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    print("prom_check: python3-prometheus-client is not installed "
          "(scripts/install-deps.sh)")
    sys.exit(2)


def fail(msg):
    print("prom_check: " + msg)
    sys.exit(1)


def main(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if not text.endswith("\n"):
        fail("the text does not end with a newline")
    typed = {}
    seen_sample = set()
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"# TYPE (\S+) (\S+)$", line)
        if m:
            name, kind = m.groups()
            if name in typed:
                fail("line %d: a second TYPE for %s" % (n, name))
            if name in seen_sample:
                fail("line %d: TYPE of %s after its samples" % (n, name))
            if kind not in ("counter", "gauge", "summary", "histogram",
                            "untyped"):
                fail("line %d: type %s" % (n, kind))
            typed[name] = kind
        elif line and not line.startswith("#"):
            seen_sample.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))
    try:
        families = list(text_string_to_metric_families(text))
    except ValueError as e:
        fail("the parser refused it: %s" % e)
    series = set()
    nsamples = 0
    for fam in families:
        if fam.type == "unknown" and fam.samples:
            fail("samples of %s with no TYPE" % fam.name)
        for s in fam.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            if key in series:
                fail("series %s%s twice" % (s.name, s.labels))
            series.add(key)
            nsamples += 1
    return {s[0] for s in series} | {f.name for f in families}, len(families), nsamples


def check_names(path, names):
    with open(path, encoding="utf-8") as f:
        wanted = set(re.findall(r"\bvgpu_[a-z0-9_]*[a-z0-9]", f.read()))
    missing = sorted(wanted - names)
    if missing:
        fail("%s names metrics the exposition lacks: %s" % (path, " ".join(missing)))
    return len(wanted)


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) not in (1, 3) or (len(args) == 3 and args[1] != "--names"):
        print("usage: prom_check.py FILE [--names JSON]")
        sys.exit(2)
    names, nfam, nsamples = main(args[0])
    extra = ""
    if len(args) == 3:
        extra = ", %d names of %s found" % (check_names(args[2], names), args[2].split("/")[-1])
    print("prom_check: %d families, %d samples%s: OK" % (nfam, nsamples, extra))
