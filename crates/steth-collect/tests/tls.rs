//! TLS to the databases, against real servers with certificates made in the test (`openssl`):
//! a throwaway PostgreSQL cluster with `ssl = on` that refuses plain connections, for every
//! `sslmode`; a `redis-server` with a TLS port for `rediss://`; and a password-protected Redis
//! reached without its password.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use steth_core::config::{Plan, PostgresTarget, RedisTarget, Secret};
use steth_core::evidence::Slot;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A CA (`ca.crt`) and a server certificate it signed (`server.crt`, `server.key`) for
/// `localhost` only, so 127.0.0.1 is the wrong name.
fn certificates(dir: &Path) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let mut ca =
        vec!["req", "-x509", "-days", "2", "-subj", "/CN=stethoscope test CA", "-keyout", "ca.key", "-out", "ca.crt"];
    ca.extend(ec);
    ca.extend(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    openssl(dir, &ca);
    let mut csr = vec!["req", "-new", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"];
    csr.extend(ec);
    openssl(dir, &csr);
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n").unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
            "-out",
            "server.crt",
        ],
    );
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A throwaway cluster with TLS on and plain connections refused; stopped on drop.
struct TlsCluster {
    dir: tempfile::TempDir,
    child: Child,
    port: u16,
    ca: PathBuf,
}

impl TlsCluster {
    fn start() -> Option<TlsCluster> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .filter(|b| b.join("initdb").exists())
            .max()?;
        let dir = tempfile::tempdir().unwrap();
        certificates(dir.path());
        let data = dir.path().join("data");
        if is_root() {
            assert!(
                Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()).status().unwrap().success()
            );
        }
        let init = as_postgres(&bin.join("initdb"))
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
            .arg(&data)
            .stdout(Stdio::null())
            .output()
            .unwrap();
        assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n",
        )
        .unwrap();
        for f in ["server.crt", "server.key"] {
            std::fs::copy(dir.path().join(f), data.join(f)).unwrap();
        }
        if is_root() {
            Command::new("chown")
                .args(["postgres:postgres"])
                .arg(data.join("server.key"))
                .arg(data.join("pg_hba.conf"))
                .arg(data.join("server.crt"))
                .status()
                .unwrap();
        }
        Command::new("chmod").arg("600").arg(data.join("server.key")).status().unwrap();
        let port = free_port();
        let child = as_postgres(&bin.join("postgres"))
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-k"])
            .arg(dir.path())
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "ssl=on", "-c", "fsync=off"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let ca = dir.path().join("ca.crt");
        let cluster = TlsCluster { dir, child, port, ca };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "postgres did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_millis(300));
        Some(cluster)
    }

    fn url(&self, host: &str, query: &str) -> String {
        format!("postgresql://postgres@{host}:{}/postgres?{query}", self.port)
    }
}

impl Drop for TlsCluster {
    fn drop(&mut self) {
        let pid = std::fs::read_to_string(self.dir.path().join("data/postmaster.pid")).unwrap_or_default();
        if let Some(pid) = pid.lines().next() {
            let _ = Command::new("kill").args(["-QUIT", pid]).status();
        }
        let _ = self.child.wait();
    }
}

async fn pg(url: &str) -> Result<bool, String> {
    let target = PostgresTarget {
        url: Secret::new(url),
        app_role: None,
        statement_timeout: Duration::from_secs(5),
        lock_timeout: Duration::from_secs(1),
        cores: None,
        replicas: Vec::new(),
        session_watch: steth_core::config::DEFAULT_SESSION_WATCH,
    };
    let session = steth_collect::pg::connect(&target).await?;
    let row = session
        .client
        .query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
        .await
        .map_err(|e| e.to_string())?;
    Ok(row.get(0))
}

#[tokio::test]
async fn postgres_speaks_tls_in_every_sslmode() {
    let Some(cluster) = TlsCluster::start() else {
        assert!(std::env::var_os("CI").is_none(), "CI must provide PostgreSQL server binaries");
        eprintln!("SKIPPED: no PostgreSQL server binaries");
        return;
    };
    let ca = cluster.ca.display().to_string();
    // Plain connections are refused: every success below went over TLS.
    let plain = pg(&cluster.url("127.0.0.1", "sslmode=disable")).await.unwrap_err();
    assert!(plain.contains("no encryption") || plain.contains("pg_hba"), "{plain}");
    assert_eq!(pg(&cluster.url("127.0.0.1", "sslmode=require")).await, Ok(true));
    assert_eq!(pg(&cluster.url("127.0.0.1", "sslmode=prefer")).await, Ok(true));
    assert_eq!(pg(&cluster.url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={ca}"))).await, Ok(true));
    assert_eq!(pg(&cluster.url("localhost", &format!("sslmode=verify-full&sslrootcert={ca}"))).await, Ok(true));
    // The certificate names localhost, not 127.0.0.1; and the system does not trust the test CA.
    let wrong_name = pg(&cluster.url("127.0.0.1", &format!("sslmode=verify-full&sslrootcert={ca}"))).await.unwrap_err();
    assert!(wrong_name.to_lowercase().contains("not valid for"), "{wrong_name}");
    let untrusted = pg(&cluster.url("localhost", "sslmode=verify-full")).await.unwrap_err();
    assert!(untrusted.contains("UnknownIssuer") || untrusted.to_lowercase().contains("unknown issuer"), "{untrusted}");
    let bad = pg(&cluster.url("localhost", "sslmode=verify-everything")).await.unwrap_err();
    assert!(bad.contains("sslmode `verify-everything` is not one of"), "{bad}");
}

struct Redis(Child);

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn redis_server(args: &[&str], port: u16) -> Redis {
    let child = Command::new("redis-server")
        .args(["--save", "", "--appendonly", "no", "--bind", "127.0.0.1"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server runs");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Redis(child)
}

fn redis_plan(url: &str) -> Plan {
    Plan { redis: Some(RedisTarget::new(Secret::new(url), None)), ..Plan::default() }
}

#[tokio::test]
async fn rediss_and_a_password_protected_redis() {
    if Command::new("redis-server").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI must provide redis-server");
        eprintln!("SKIPPED: no redis-server");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    certificates(dir.path());
    let cert = |f: &str| dir.path().join(f).display().to_string();
    let tls_port = free_port();
    let _tls = redis_server(
        &[
            "--port",
            "0",
            "--tls-port",
            &tls_port.to_string(),
            "--tls-cert-file",
            &cert("server.crt"),
            "--tls-key-file",
            &cert("server.key"),
            "--tls-ca-cert-file",
            &cert("ca.crt"),
            "--tls-auth-clients",
            "no",
        ],
        tls_port,
    );
    let url = format!("rediss://localhost:{tls_port}/?sslrootcert={}", cert("ca.crt"));
    match steth_collect::redis::collect(&redis_plan(&url)).await {
        Slot::Collected { data } => assert!(!data.server_version.is_empty()),
        other => panic!("rediss:// with the test CA: {other:?}"),
    }
    // Without the CA the system roots do not trust the server.
    let untrusted = steth_collect::redis::collect(&redis_plan(&format!("rediss://localhost:{tls_port}"))).await;
    assert!(matches!(untrusted, Slot::Failed { .. }), "{untrusted:?}");

    let port = free_port();
    let _locked = redis_server(&["--port", &port.to_string(), "--requirepass", "s3cret-pw"], port);
    for url in [format!("redis://127.0.0.1:{port}"), format!("redis://127.0.0.1:{port}/2")] {
        match steth_collect::redis::collect(&redis_plan(&url)).await {
            Slot::Failed { error } => {
                assert!(error.contains("needs a password: `redis://:PASSWORD@host:port`"), "{error}")
            }
            other => panic!("{other:?}"),
        }
    }
    let wrong = steth_collect::redis::collect(&redis_plan(&format!("redis://:wrong-pw@127.0.0.1:{port}"))).await;
    assert!(
        matches!(&wrong, Slot::Failed { error } if error.contains("refused the password") && !error.contains("wrong-pw")),
        "{wrong:?}"
    );
    let right = steth_collect::redis::collect(&redis_plan(&format!("redis://:s3cret-pw@127.0.0.1:{port}"))).await;
    assert!(matches!(right, Slot::Collected { .. }), "{right:?}");
}
