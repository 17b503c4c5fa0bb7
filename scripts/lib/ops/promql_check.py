#!/usr/bin/env python3
"""Checks the PromQL of conf/grafana-dashboard.json and conf/alerts.yml.

  promql_check.py rules DASHBOARD OUT
      writes every dashboard query as a recording rule to OUT, with Grafana's
      variables replaced, so that `promtool check rules OUT` parses them all;
      also checks the dashboard's structure (ids, layout, data sources).
  promql_check.py names METRICS DASHBOARD ALERTS
      checks that every metric (and label) the queries use is in METRICS, a
      live /metrics exposition of wsd.

Exit status 1 with one line per problem on stderr.
"""

import json
import re
import sys

import yaml

# Series Prometheus makes itself for every target and alert.
PROMETHEUS_SERIES = {
    "up", "scrape_duration_seconds", "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling", "scrape_series_added",
    "ALERTS", "ALERTS_FOR_STATE",
}
# Labels Prometheus adds to every scraped series.
TARGET_LABELS = {"instance", "job"}
KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool",
    "and", "or", "unless", "offset", "atan2", "inf", "nan", "start", "end",
}
GRAFANA_VARIABLES = {
    "__rate_interval": "1m", "__interval": "1m", "__range": "1h",
    "__interval_ms": "60000", "__range_s": "3600",
}

IDENT = r"[A-Za-z_:][A-Za-z0-9_:]*"
STRING = r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`'


def substitute_variables(expr, variables):
    """Grafana's $var / ${var} / [[var]] replaced by a value PromQL accepts."""
    def value(name):
        return GRAFANA_VARIABLES.get(name, variables.get(name, ".*"))
    expr = re.sub(r"\$\{(\w+)(?::\w+)?\}", lambda m: value(m.group(1)), expr)
    expr = re.sub(r"\[\[(\w+)\]\]", lambda m: value(m.group(1)), expr)
    return re.sub(r"\$(\w+)", lambda m: value(m.group(1)), expr)


def selectors(expr):
    """(metric, [label names]) of each vector selector; metric may be None."""
    found = []
    text = re.sub(r"#[^\n]*", "", expr)
    # Label matchers, noted with the identifier right before them, then gone.
    matchers = {}

    def strip_matcher(m):
        key = f" __matcher{len(matchers)}__ "
        body = re.sub(STRING, '""', m.group(1))
        matchers[key.strip()] = re.findall(r"(" + IDENT + r")\s*(?:=~|!~|!=|=)", body)
        return key

    text = re.sub(STRING, '""', text)
    text = re.sub(r"\{([^{}]*)\}", strip_matcher, text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    grouping = []

    def strip_grouping(m):
        grouping.extend(re.findall(IDENT, m.group(2)))
        return " "

    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)",
                  strip_grouping, text)
    number = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?:ms|[smhdwy])*"
    tokens = re.findall(r"__matcher\d+__|" + number + "|" + IDENT + r"|\(|[^\sA-Za-z0-9_:(]+",
                        text)
    for i, token in enumerate(tokens):
        if token.startswith("__matcher"):
            previous = tokens[i - 1] if i > 0 else ""
            if re.fullmatch(IDENT, previous) and previous not in KEYWORDS:
                continue  # belongs to the metric before it, handled there
            found.append((None, matchers[token]))
            continue
        if not re.fullmatch(IDENT, token) or token in KEYWORDS:
            continue
        if i + 1 < len(tokens) and tokens[i + 1] == "(":
            continue  # a function or an aggregation
        if i > 0 and tokens[i - 1] in {"offset", "@"}:
            continue
        labels = []
        if i + 1 < len(tokens) and tokens[i + 1].startswith("__matcher"):
            labels = matchers[tokens[i + 1]]
        found.append((token, labels))
    return found, grouping


def dashboard_queries(dashboard):
    """(where, expr) of every query of the dashboard, variables included."""
    queries = []

    def panels(items):
        for panel in items:
            yield panel
            yield from panels(panel.get("panels", []))

    for panel in panels(dashboard.get("panels", [])):
        for target in panel.get("targets", []):
            if "expr" in target:
                queries.append((f'panel "{panel.get("title")}" {target.get("refId")}',
                                target["expr"]))
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") != "query":
            continue
        query = var.get("query")
        query = query.get("query", "") if isinstance(query, dict) else query or ""
        m = re.fullmatch(r"\s*label_values\((.*),\s*(" + IDENT + r")\s*\)\s*", query)
        if m:
            queries.append((f'variable "{var["name"]}"', m.group(1)))
        elif not re.fullmatch(r"\s*label_values\(\s*" + IDENT + r"\s*\)\s*", query):
            queries.append((f'variable "{var["name"]}"', query))
    return queries


def check_structure(dashboard):
    problems = []
    ids = []
    variables = {v.get("name") for v in dashboard.get("templating", {}).get("list", [])}
    for name in ("title", "uid", "panels", "schemaVersion"):
        if name not in dashboard:
            problems.append(f"dashboard: no {name}")
    for panel in dashboard.get("panels", []):
        title = panel.get("title")
        ids.append(panel.get("id"))
        grid = panel.get("gridPos", {})
        if not all(isinstance(grid.get(k), int) for k in ("x", "y", "w", "h")):
            problems.append(f'panel "{title}": gridPos needs x, y, w, h')
        elif grid["x"] < 0 or grid["w"] < 1 or grid["x"] + grid["w"] > 24:
            problems.append(f'panel "{title}": gridPos outside the 24 columns')
        if panel.get("type") == "row":
            continue
        targets = panel.get("targets", [])
        if not targets:
            problems.append(f'panel "{title}": no queries')
        refs = [t.get("refId") for t in targets]
        if len(set(refs)) != len(refs) or None in refs:
            problems.append(f'panel "{title}": refIds missing or repeated')
        for source in [panel.get("datasource")] + [t.get("datasource") for t in targets]:
            if not isinstance(source, dict) or source.get("type") != "prometheus":
                problems.append(f'panel "{title}": data source is not Prometheus')
            elif re.fullmatch(r"\$\{(\w+)\}", source.get("uid", "")) is None or \
                    source["uid"][2:-1] not in variables:
                problems.append(f'panel "{title}": data source is not a dashboard variable')
        for target in targets:
            for var in re.findall(r"\$\{?(\w+)", target.get("expr", "")):
                if var not in variables and var not in GRAFANA_VARIABLES:
                    problems.append(f'panel "{title}": unknown variable ${var}')
    if len(set(ids)) != len(ids) or None in ids:
        problems.append("dashboard: panel ids missing or repeated")
    return problems


def command_rules(dashboard_file, out_file):
    with open(dashboard_file, encoding="utf-8") as f:
        dashboard = json.load(f)
    problems = check_structure(dashboard)
    rules = []
    for n, (where, expr) in enumerate(dashboard_queries(dashboard)):
        rules.append({"record": f"dashboard:query_{n}",
                      "expr": substitute_variables(expr, {}),
                      "labels": {"source": where}})
    if not rules:
        problems.append("dashboard: no queries")
    with open(out_file, "w", encoding="utf-8") as f:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, f, sort_keys=False)
    return problems


def exposition(metrics_file):
    """{sample name: set of its labels} from a Prometheus text exposition."""
    names = {}
    types = {}
    with open(metrics_file, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split(maxsplit=3)
                types[name] = kind
            elif line and not line.startswith("#"):
                m = re.match(r"(" + IDENT + r")(?:\{(.*)\})?\s", line)
                if m:
                    labels = set(re.findall(r"(" + IDENT + r')="', m.group(2) or ""))
                    names.setdefault(m.group(1), set()).update(labels)
    # A counter or gauge whose labelled samples have not appeared yet (no
    # request answered with a 5xx, say) is still exported.
    for name, kind in types.items():
        if kind in {"counter", "gauge", "untyped"}:
            names.setdefault(name, set())
    return names


def command_names(metrics_file, dashboard_file, alerts_file):
    exported = exposition(metrics_file)
    if not exported:
        return [f"{metrics_file}: no metrics"]
    all_labels = TARGET_LABELS.union(*exported.values())
    with open(dashboard_file, encoding="utf-8") as f:
        queries = dashboard_queries(json.load(f))
    with open(alerts_file, encoding="utf-8") as f:
        for group in yaml.safe_load(f)["groups"]:
            for rule in group["rules"]:
                queries.append((f'alert {rule.get("alert", rule.get("record"))}', rule["expr"]))
    problems = []
    used = set()
    for where, expr in queries:
        found, grouping = selectors(substitute_variables(expr, {}))
        for metric, labels in found:
            if metric is None:
                continue
            used.add(metric)
            if metric in PROMETHEUS_SERIES:
                continue
            if metric not in exported:
                problems.append(f"{where}: metric {metric} is not in wsd's /metrics")
                continue
            for label in labels:
                if label not in exported[metric] | TARGET_LABELS and label != "__name__":
                    problems.append(f"{where}: {metric} has no label {label}")
        for label in grouping:
            if label not in all_labels:
                problems.append(f"{where}: no metric of wsd has the label {label}")
    if not used:
        problems.append("no metric names found in the queries")
    print(f"{len(queries)} queries use {len(used)} metric names, all exported by wsd"
          if not problems else f"{len(problems)} problems in {len(queries)} queries")
    return problems


def main(argv):
    if len(argv) == 4 and argv[1] == "rules":
        problems = command_rules(argv[2], argv[3])
    elif len(argv) == 5 and argv[1] == "names":
        problems = command_names(argv[2], argv[3], argv[4])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
