//! `stethoscope demo`: starts the fixture shop in-process with a few defects and audits it.

use crate::cli::DemoArgs;
use crate::exit::{Exit, Failure};
use crate::output;
use shop::cluster::Cluster;
use shop::{Defect, ShopConfig};
use steth_core::config::{self, RedisTarget, Secret};
use steth_core::evidence::Slot;

/// Runs `stethoscope demo`.
pub fn run(args: DemoArgs) -> Result<Exit, Failure> {
    if let Some(out) = &args.render.out {
        output::check_writable(out)?;
    }
    if args.list_defects {
        output::emit(None, |w| {
            for d in Defect::ALL {
                writeln!(w, "{:<28} {:<5} {}", d.name(), d.item(), d.description())?;
            }
            Ok(())
        })?;
        return Ok(Exit::Done);
    }
    let format = output::format(&args.render.format)?;
    let defects = parse_defects(&args.defects)?;
    let runtime = super::runtime()?;
    let name = format!("steth_demo_{}", std::process::id());
    let standby = !defects.contains(&Defect::NoReadReplica);
    let (postgres, replica, clusters) = database(args.postgres.clone(), args.quiet, standby);
    let mut shop_config = ShopConfig::new(name.clone());
    shop_config.postgres_url = Some(postgres.clone());
    shop_config.replica_url = replica;
    shop_config.redis_url = Some(args.redis.clone());
    shop_config.defects = defects.clone();
    if !args.quiet {
        let names: Vec<&str> = defects.iter().map(|d| d.name()).collect();
        eprintln!(
            "stethoscope demo: starting the fixture shop with defects: {}",
            if names.is_empty() { "none".to_string() } else { names.join(", ") }
        );
    }
    let shop = runtime
        .block_on(shop::start(shop_config))
        .map_err(|e| Failure::could_not_run(format!("cannot start the fixture shop: {e}")))?;
    for warning in shop.startup_warnings() {
        if !args.quiet {
            eprintln!("  ! {warning}");
        }
    }
    let mut plan = shop::audit_plan(&shop);
    // The shop's keys only: the dev Redis may hold other tenants' keys (its counters and
    // memory settings are the instance's, and the report says so).
    if shop.redis_ready() {
        plan.redis = Some(RedisTarget::new(Secret::new(args.redis.clone()), Some(format!("{name}:*"))));
    }
    let pg_missing = (!shop.database_ready()).then(|| {
        let why = shop.startup_warnings().iter().find(|w| w.contains("PostgreSQL")).cloned();
        why.unwrap_or_else(|| format!("PostgreSQL at {} is not reachable", config::redact_url(&postgres)))
    });
    // The audit builds its own runtime; the shop keeps serving on this one's worker threads.
    let patch = |evidence: &mut steth_core::evidence::Evidence| {
        if let Some(why) = &pg_missing {
            evidence.pg = Slot::unavailable(format!(
                "{why}; start PostgreSQL (scripts/services.sh) to assess the database items"
            ));
        }
    };
    let report = super::audit::audit(&plan, Some("(demo: built-in fixture shop)".into()), args.quiet, Some(&patch));
    runtime.block_on(shop.shutdown());
    drop(clusters);
    let report = report?;
    output::emit(args.render.out.as_deref(), |w| {
        steth_report::render(&report, format, output::style(args.render.out.is_some()), w)
    })?;
    Ok(if crate::interrupt::happened() { Exit::Interrupted } else { Exit::Done })
}

/// The PostgreSQL the demo uses: the one asked for; else a throwaway cluster with
/// `pg_stat_statements` preloaded (so 2.1, 2.4 and 2.7 have statements to judge) and, when
/// `standby`, a streaming standby the shop reads from (8.4), when the server binaries are
/// installed; else the usual local server. Returns the URL, the replica's and the clusters.
fn database(asked: Option<String>, quiet: bool, standby: bool) -> (String, Option<String>, Vec<Cluster>) {
    if let Some(url) = asked {
        return (url, None, Vec::new());
    }
    match Cluster::start() {
        Ok(cluster) => {
            if !quiet {
                eprintln!("stethoscope demo: started a throwaway PostgreSQL cluster with pg_stat_statements preloaded");
            }
            let url = cluster.admin_url();
            let replica = match standby.then(|| cluster.standby()) {
                Some(Ok(replica)) => Some(replica),
                Some(Err(why)) => {
                    if !quiet {
                        eprintln!("stethoscope demo: no streaming standby for the shop's reads ({why})");
                    }
                    None
                }
                None => None,
            };
            let replica_url = replica.as_ref().map(Cluster::admin_url);
            // The standby is stopped before its primary.
            (url, replica_url, replica.into_iter().chain(std::iter::once(cluster)).collect())
        }
        Err(why) => {
            if !quiet {
                eprintln!("stethoscope demo: using {LOCAL_POSTGRES} (no throwaway cluster: {why})");
            }
            (LOCAL_POSTGRES.to_string(), None, Vec::new())
        }
    }
}

/// The PostgreSQL a development machine usually runs (scripts/services.sh starts it).
const LOCAL_POSTGRES: &str = "postgresql://postgres@127.0.0.1:5432/postgres";

fn parse_defects(names: &[String]) -> Result<Vec<Defect>, Failure> {
    if names.iter().all(|n| n == "none" || n.is_empty()) {
        return Ok(Vec::new());
    }
    names.iter().map(|n| n.parse::<Defect>().map_err(|e| Failure::usage(format!("--defects: {e}")))).collect()
}
