//! What an alerting rule's PromQL judges: recording rules resolved, then every comparison of a
//! recognised signal (an error ratio, an error-budget burn, an error count, a latency quantile
//! or mean) with a constant, and the series the expression reads.

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{Expr, ParenExpr, VectorSelector};
use std::collections::{BTreeMap, BTreeSet};
use steth_core::evidence::{AlertCondition, AlertSignal};

/// Deepest chain of recording rules followed (a rule reading a rule reading a rule …).
const MAX_DEPTH: u8 = 8;

/// Recording rules by the series name they record.
pub type Records = BTreeMap<String, Expr>;

/// `expr` with every series a recording rule records replaced by the rule's expression.
pub fn resolve(expr: &Expr, records: &Records) -> Expr {
    resolve_at(expr, records, 0)
}

fn resolve_at(expr: &Expr, records: &Records, depth: u8) -> Expr {
    let recorded = |vs: &VectorSelector| {
        let name = vs.name.as_ref()?;
        let found = records.get(name).filter(|_| depth < MAX_DEPTH)?;
        Some(Expr::Paren(ParenExpr { expr: Box::new(resolve_at(found, records, depth + 1)) }))
    };
    let mut expr = expr.clone();
    match &mut expr {
        Expr::VectorSelector(vs) => return recorded(vs).unwrap_or(expr),
        Expr::MatrixSelector(ms) => return recorded(&ms.vs).unwrap_or(expr),
        Expr::Aggregate(a) => {
            *a.expr = resolve_at(&a.expr, records, depth);
            if let Some(p) = a.param.as_mut() {
                **p = resolve_at(p, records, depth);
            }
        }
        Expr::Unary(u) => *u.expr = resolve_at(&u.expr, records, depth),
        Expr::Binary(b) => {
            *b.lhs = resolve_at(&b.lhs, records, depth);
            *b.rhs = resolve_at(&b.rhs, records, depth);
        }
        Expr::Paren(p) => *p.expr = resolve_at(&p.expr, records, depth),
        Expr::Subquery(s) => *s.expr = resolve_at(&s.expr, records, depth),
        Expr::Call(c) => {
            for arg in c.args.args.iter_mut() {
                **arg = resolve_at(arg, records, depth);
            }
        }
        _ => {}
    }
    expr
}

fn children(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::Aggregate(a) => std::iter::once(&*a.expr).chain(a.param.as_deref()).collect(),
        Expr::Unary(u) => vec![&u.expr],
        Expr::Binary(b) => vec![&b.lhs, &b.rhs],
        Expr::Paren(p) => vec![&p.expr],
        Expr::Subquery(s) => vec![&s.expr],
        Expr::Call(c) => c.args.args.iter().map(|a| &**a).collect(),
        _ => Vec::new(),
    }
}

/// Every vector selector of `expr`, matrix selectors' included.
fn selectors(expr: &Expr) -> Vec<&VectorSelector> {
    match expr {
        Expr::VectorSelector(vs) => vec![vs],
        Expr::MatrixSelector(ms) => vec![&ms.vs],
        other => children(other).into_iter().flat_map(selectors).collect(),
    }
}

fn series_name(vs: &VectorSelector) -> Option<&str> {
    vs.name.as_deref().or_else(|| {
        vs.matchers.matchers.iter().find(|m| m.name == "__name__" && matches!(m.op, MatchOp::Equal)).map(|m| &*m.value)
    })
}

/// The series names `expr` reads.
pub fn watched(expr: &Expr) -> Vec<String> {
    let names: BTreeSet<String> = selectors(expr).into_iter().filter_map(series_name).map(str::to_string).collect();
    names.into_iter().collect()
}

/// The constant `expr` evaluates to, when it has no series.
fn constant(expr: &Expr) -> Option<f64> {
    match expr {
        Expr::NumberLiteral(n) => Some(n.val),
        Expr::Paren(p) => constant(&p.expr),
        Expr::Unary(u) => constant(&u.expr).map(|v| -v),
        Expr::Binary(b) => {
            let (l, r) = (constant(&b.lhs)?, constant(&b.rhs)?);
            match b.op.to_string().as_str() {
                "+" => Some(l + r),
                "-" => Some(l - r),
                "*" => Some(l * r),
                "/" => Some(l / r),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A burn-rate constant: a factor of at least 1 times an error budget below 1.
fn burn(expr: &Expr) -> Option<(f64, f64)> {
    match expr {
        Expr::Paren(p) => burn(&p.expr),
        Expr::Binary(b) if b.op.to_string() == "*" => {
            let (l, r) = (constant(&b.lhs)?, constant(&b.rhs)?);
            match (l >= 1.0 && r < 1.0, r >= 1.0 && l < 1.0) {
                (true, _) => Some((l, r)),
                (_, true) => Some((r, l)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn is_status_label(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.contains("status") || name.contains("code")
}

/// A matcher keeping server errors and not successes.
fn selects_errors(m: &Matcher) -> bool {
    is_status_label(&m.name)
        && ((["500", "502", "503", "504"].iter().any(|c| m.is_match(c)) && !m.is_match("200"))
            || (m.is_match("5xx") && !m.is_match("2xx")))
}

/// A matcher keeping successes (or everything but server errors).
fn selects_successes(m: &Matcher) -> bool {
    is_status_label(&m.name)
        && ((m.is_match("200") && !m.is_match("500") && !m.is_match("503"))
            || (m.is_match("2xx") && !m.is_match("5xx")))
}

fn any_matcher(expr: &Expr, test: fn(&Matcher) -> bool) -> bool {
    selectors(expr)
        .iter()
        .any(|vs| vs.matchers.matchers.iter().chain(vs.matchers.or_matchers.iter().flatten()).any(test))
}

/// Seconds per unit of a duration series, from its name (`_seconds`, `_milliseconds`, `_ms`);
/// Prometheus's base unit, seconds, when the name gives none.
fn seconds_per_unit(series: &[String]) -> f64 {
    for name in series {
        let words: Vec<&str> = name.split('_').collect();
        if words.iter().any(|w| *w == "milliseconds" || *w == "ms") {
            return 0.001;
        }
        if words.iter().any(|w| *w == "microseconds" || *w == "us") {
            return 0.000_001;
        }
    }
    1.0
}

/// The expression under parentheses and aggregations that keep its value (`max`, `sum by`, …).
fn unwrap(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(p) => unwrap(&p.expr),
        Expr::Aggregate(a) if a.param.is_none() => unwrap(&a.expr),
        other => other,
    }
}

fn quantile_of(side: &Expr) -> Option<(f64, Vec<String>)> {
    if let Expr::Call(c) = unwrap(side)
        && c.func.name == "histogram_quantile"
        && let [q, inner] = c.args.args.as_slice()
    {
        return Some((constant(q)?, watched(inner)));
    }
    selectors(side).into_iter().find_map(|vs| {
        let m = vs.matchers.matchers.iter().find(|m| m.name == "quantile" && matches!(m.op, MatchOp::Equal))?;
        Some((m.value.parse::<f64>().ok()?, series_name(vs).map(str::to_string).into_iter().collect()))
    })
}

/// What `side`, compared with the constant `c`, judges; `above` when the alert fires above `c`.
fn classify(side: &Expr, c: f64, above: bool, out: &mut Vec<AlertCondition>) {
    // `ratio * 100 > 1` is a percentage of the same ratio.
    if let Expr::Binary(b) = unwrap(side)
        && b.op.to_string() == "*"
    {
        match (constant(&b.lhs), constant(&b.rhs)) {
            (Some(k), None) if k > 0.0 => return classify(&b.rhs, c / k, above, out),
            (None, Some(k)) if k > 0.0 => return classify(&b.lhs, c / k, above, out),
            _ => {}
        }
    }
    if let Some((quantile, series)) = quantile_of(side) {
        if above {
            let threshold = c * seconds_per_unit(&series);
            out.push(AlertCondition { signal: AlertSignal::LatencyQuantile { quantile }, threshold });
        }
        return;
    }
    if let Expr::Binary(b) = unwrap(side)
        && b.op.to_string() == "/"
    {
        let (num, den) = (&*b.lhs, &*b.rhs);
        if any_matcher(num, selects_errors) && !any_matcher(den, selects_errors) {
            if above {
                out.push(AlertCondition { signal: AlertSignal::ErrorRatio, threshold: c });
            }
            return;
        }
        if any_matcher(num, selects_successes) && !any_matcher(den, selects_successes) {
            if !above {
                out.push(AlertCondition { signal: AlertSignal::ErrorRatio, threshold: 1.0 - c });
            }
            return;
        }
        let (sums, counts) = (watched(num), watched(den));
        if above
            && !sums.is_empty()
            && sums.iter().all(|s| s.ends_with("_sum"))
            && counts.iter().all(|s| s.ends_with("_count"))
        {
            let threshold = c * seconds_per_unit(&sums);
            out.push(AlertCondition { signal: AlertSignal::LatencyMean, threshold });
        }
        return;
    }
    if above && any_matcher(side, selects_errors) {
        out.push(AlertCondition { signal: AlertSignal::ErrorCount, threshold: c });
    }
}

/// Every condition of `expr` (recording rules already resolved): each comparison of a
/// recognised signal with a constant, wherever it sits (`and`, `or`, aggregations).
pub fn conditions(expr: &Expr) -> Vec<AlertCondition> {
    let mut out = Vec::new();
    walk(expr, &mut out);
    out
}

fn walk(expr: &Expr, out: &mut Vec<AlertCondition>) {
    if let Expr::Binary(b) = expr {
        let op = b.op.to_string();
        let greater = matches!(op.as_str(), ">" | ">=");
        if greater || matches!(op.as_str(), "<" | "<=") {
            let compared = match (constant(&b.rhs), constant(&b.lhs)) {
                (Some(c), None) => Some((&*b.lhs, &*b.rhs, c, greater)),
                (None, Some(c)) => Some((&*b.rhs, &*b.lhs, c, !greater)),
                _ => None,
            };
            if let Some((side, constant_side, c, above)) = compared {
                let before = out.len();
                classify(side, c, above, out);
                if let Some((factor, budget)) = burn(constant_side) {
                    for condition in &mut out[before..] {
                        if condition.signal == AlertSignal::ErrorRatio {
                            *condition =
                                AlertCondition { signal: AlertSignal::ErrorBudgetBurn { factor }, threshold: budget };
                        }
                    }
                }
                if out.len() > before {
                    return;
                }
            }
        }
    }
    for child in children(expr) {
        walk(child, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyse(rules: &[(&str, &str)], alert: &str) -> (Vec<AlertCondition>, Vec<String>) {
        let records: Records =
            rules.iter().map(|(name, expr)| (name.to_string(), promql_parser::parser::parse(expr).unwrap())).collect();
        let expr = resolve(&promql_parser::parser::parse(alert).unwrap(), &records);
        (conditions(&expr), watched(&expr))
    }

    fn one(alert: &str) -> AlertCondition {
        let (found, _) = analyse(&[], alert);
        assert_eq!(found.len(), 1, "{alert}: {found:?}");
        found[0].clone()
    }

    #[test]
    fn an_error_ratio_by_regex_or_equality_is_found_with_its_constant() {
        let c = one(r#"sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.01"#);
        assert_eq!(c, AlertCondition { signal: AlertSignal::ErrorRatio, threshold: 0.01 });
        let c = one(r#"0.05 < sum(rate(http_requests_total{code="500"}[5m])) / sum(rate(http_requests_total[5m]))"#);
        assert_eq!(c, AlertCondition { signal: AlertSignal::ErrorRatio, threshold: 0.05 });
        let c = one(r#"sum(rate(reqs{status_class="5xx"}[5m])) / sum(rate(reqs[5m])) * 100 > 1"#);
        assert_eq!(c.signal, AlertSignal::ErrorRatio, "a percentage is still a ratio signal: {c:?}");
    }

    #[test]
    fn a_success_ratio_below_a_constant_is_an_error_ratio_above_its_complement() {
        let c = one(r#"sum(rate(http_requests_total{status!~"5.."}[5m])) / sum(rate(http_requests_total[5m])) < 0.99"#);
        assert_eq!(c.signal, AlertSignal::ErrorRatio);
        assert!((c.threshold - 0.01).abs() < 1e-9);
    }

    #[test]
    fn recording_rules_are_resolved_and_the_raw_series_watched() {
        let records = [(
            "job:http_errors:ratio_rate5m",
            r#"sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))"#,
        )];
        let (found, watches) = analyse(&records, "job:http_errors:ratio_rate5m > 0.01");
        assert_eq!(found, vec![AlertCondition { signal: AlertSignal::ErrorRatio, threshold: 0.01 }]);
        assert_eq!(watches, vec!["http_requests_total".to_string()]);
    }

    #[test]
    fn a_sloth_burn_rate_alert_gives_its_error_budget() {
        let records = [(
            "slo:sli_error:ratio_rate5m",
            r#"(sum(rate(http_request_duration_seconds_count{job="shop",code=~"(5..|429)"}[5m])))
               / (sum(rate(http_request_duration_seconds_count{job="shop"}[5m])))"#,
        )];
        let alert = r#"(max(slo:sli_error:ratio_rate5m{sloth_id="shop"} > (14.4 * 0.001)) without (sloth_window))
            and (max(slo:sli_error:ratio_rate5m{sloth_id="shop"} > (14.4 * 0.001)) without (sloth_window))"#;
        let (found, _) = analyse(&records, alert);
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0],
            AlertCondition { signal: AlertSignal::ErrorBudgetBurn { factor: 14.4 }, threshold: 0.001 }
        );
    }

    #[test]
    fn a_pyrra_burn_rate_with_a_computed_budget_is_found() {
        let c = one(
            r#"sum(rate(http_requests_total{code=~"5.."}[1h])) / sum(rate(http_requests_total[1h])) > (14 * (1-0.99))"#,
        );
        assert_eq!(c.signal, AlertSignal::ErrorBudgetBurn { factor: 14.0 });
        assert!((c.threshold - 0.01).abs() < 1e-9);
    }

    #[test]
    fn an_absolute_error_rate_is_a_count() {
        let c = one(r#"sum(rate(http_requests_total{status=~"5.."}[5m])) > 10"#);
        assert_eq!(c.signal, AlertSignal::ErrorCount);
    }

    #[test]
    fn latency_quantiles_and_means_take_the_unit_of_the_metric_name() {
        let c = one("histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5");
        assert_eq!(c, AlertCondition { signal: AlertSignal::LatencyQuantile { quantile: 0.99 }, threshold: 0.5 });
        let c = one("histogram_quantile(0.95, sum by (le) (rate(request_latency_ms_bucket[5m]))) > 300");
        assert_eq!(c.signal, AlertSignal::LatencyQuantile { quantile: 0.95 });
        assert!((c.threshold - 0.3).abs() < 1e-9);
        let c = one(r#"max(http_request_duration_milliseconds{quantile="0.99"}) > 800"#);
        assert_eq!(c.signal, AlertSignal::LatencyQuantile { quantile: 0.99 });
        assert!((c.threshold - 0.8).abs() < 1e-9);
        let c =
            one("rate(http_request_duration_seconds_sum[5m]) / rate(http_request_duration_seconds_count[5m]) > 0.2");
        assert_eq!(c, AlertCondition { signal: AlertSignal::LatencyMean, threshold: 0.2 });
    }

    #[test]
    fn other_comparisons_judge_nothing() {
        assert!(analyse(&[], "up == 0").0.is_empty());
        assert!(analyse(&[], "process_resident_memory_bytes > 1e9").0.is_empty());
    }
}
