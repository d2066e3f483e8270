//! A throwaway PostgreSQL cluster for the truth matrix: `initdb` into a temp dir (as the
//! `postgres` user when running as root, since PostgreSQL refuses root), started on a free port
//! with `pg_stat_statements` preloaded; stopped and deleted on drop. `Cluster::standby` adds a
//! streaming standby of it (`pg_basebackup -R`), for the read-replica tests (8.4).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running cluster.
pub struct Cluster {
    dir: PathBuf,
    child: Child,
    port: u16,
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding `initdb` and `postgres`.
fn bin_dir() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").exists() && bin.join("postgres").exists()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// The command, run as `postgres` when we are root.
fn as_owner(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

impl Cluster {
    /// Starts a cluster; `Err` says why it could not (binaries missing, initdb failed).
    pub fn start() -> Result<Cluster, String> {
        let bin = bin_dir().ok_or("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")?;
        let dir = std::env::temp_dir().join(format!("steth-truth-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        if is_root() {
            let chown = Command::new("chown").arg("postgres:postgres").arg(&dir).status();
            if !chown.is_ok_and(|s| s.success()) {
                return Err(format!("cannot hand {} to the postgres user", dir.display()));
            }
        }
        let data = dir.join("data");
        let init = as_owner(&bin.join("initdb"))
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "-D"])
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("initdb: {e}"))?;
        if !init.status.success() {
            return Err(format!("initdb failed: {}", String::from_utf8_lossy(&init.stderr)));
        }
        Cluster::spawn(&bin, dir, &data)
    }

    /// A streaming standby of this cluster: a base backup with its recovery settings written
    /// (`pg_basebackup -R`), started on a free port; hot standby lets it serve reads. Used by
    /// steth-collect's `tests/replicas.rs`, which includes this file.
    #[allow(dead_code)]
    pub fn standby(&self) -> Result<Cluster, String> {
        let bin = bin_dir().ok_or("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")?;
        let dir = std::env::temp_dir().join(format!("steth-standby-{}-{}", std::process::id(), self.port));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        if is_root() {
            let chown = Command::new("chown").arg("postgres:postgres").arg(&dir).status();
            if !chown.is_ok_and(|s| s.success()) {
                return Err(format!("cannot hand {} to the postgres user", dir.display()));
            }
        }
        let data = dir.join("data");
        let backup = as_owner(&bin.join("pg_basebackup"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", "-X", "stream", "-R", "-D"])
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("pg_basebackup: {e}"))?;
        if !backup.status.success() {
            return Err(format!("pg_basebackup failed: {}", String::from_utf8_lossy(&backup.stderr)));
        }
        Cluster::spawn(&bin, dir, &data)
    }

    /// Starts `postgres` on `data` at a free port and waits until it accepts connections.
    fn spawn(bin: &Path, dir: PathBuf, data: &Path) -> Result<Cluster, String> {
        let port = free_port()?;
        let log = std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?;
        let child = as_owner(&bin.join("postgres"))
            .arg("-D")
            .arg(data)
            .args(["-p", &port.to_string(), "-k"])
            .arg(&dir)
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "shared_preload_libraries=pg_stat_statements",
                "-c",
                "max_connections=300",
                // A test cluster: durability buys nothing and costs fsyncs in every COMMIT.
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("start postgres: {e}"))?;
        let cluster = Cluster { dir, child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if cluster.ready() {
                return Ok(cluster);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let log = std::fs::read_to_string(cluster.dir.join("server.log")).unwrap_or_default();
        Err(format!("postgres did not accept connections within 30 s:\n{log}"))
    }

    fn ready(&self) -> bool {
        let Some(bin) = bin_dir() else { return false };
        Command::new(bin.join("pg_isready"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-d", "postgres", "-q"])
            .status()
            .is_ok_and(|s| s.success())
    }

    /// The superuser URL of the cluster's `postgres` database.
    pub fn admin_url(&self) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // SIGQUIT to the postmaster is an immediate shutdown: nothing to wait for.
        let pid = std::fs::read_to_string(self.dir.join("data/postmaster.pid")).ok();
        if let Some(pid) = pid.as_deref().and_then(|p| p.lines().next()) {
            let _ = Command::new("kill").args(["-QUIT", pid]).status();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
