//! Throwaway `redis-server` processes for tests: each on a free loopback port, without
//! persistence, with the memory settings a case needs, killed when dropped. The shared dev
//! Redis is never reconfigured.
// Test binaries that share `support` use only part of it.
#![allow(dead_code)]

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How a test's server is configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// `--maxmemory`, e.g. `256mb`; `0` is unlimited.
    pub maxmemory: &'static str,
    /// `--maxmemory-policy`.
    pub policy: &'static str,
    /// Another tenant fills the memory before the test and keeps writing during it, so the
    /// server evicts all the time.
    pub tenant_writes: bool,
    /// `CONFIG` renamed away, as on managed services.
    pub without_config: bool,
}

impl ServerConfig {
    /// A healthy cache: 256 MiB, least recently used keys evicted first.
    pub const HEALTHY: ServerConfig =
        ServerConfig { maxmemory: "256mb", policy: "allkeys-lru", tenant_writes: false, without_config: false };
}

/// A running `redis-server`.
pub struct RedisServer {
    child: Child,
    port: u16,
    tenant: Option<(Arc<AtomicBool>, std::thread::JoinHandle<()>)>,
}

/// Whether `redis-server` can be started here.
pub fn available() -> Result<(), String> {
    match Command::new("redis-server").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("redis-server --version exited with {s}")),
        Err(e) => Err(format!("redis-server is not installed: {e}")),
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("a bound address").port()
}

impl RedisServer {
    /// Starts a server and waits until it answers; with `tenant_writes`, fills it up first.
    pub fn start(config: &ServerConfig) -> Result<RedisServer, String> {
        // A port picked free can be taken before the server binds it: try a few.
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .args(["--maxmemory", config.maxmemory, "--maxmemory-policy", config.policy])
                .args(if config.without_config { &["--rename-command", "CONFIG", ""][..] } else { &[] })
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot start redis-server: {e}"))?;
            let mut server = RedisServer { child, port, tenant: None };
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(status)) = server.child.try_wait() {
                    last = format!("redis-server on port {port} exited with {status}");
                    break;
                }
                if server.command(&["PING"]).is_ok_and(|r| r.contains("PONG")) {
                    if config.tenant_writes {
                        server.start_tenant()?;
                    }
                    return Ok(server);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Err(format!("redis-server did not come up: {last}"))
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Sends one command in RESP and returns the raw answer (enough for tests and setup).
    pub fn command(&self, args: &[&str]) -> std::io::Result<String> {
        use std::io::{Read, Write};
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream.write_all(&resp(args))?;
        let mut buf = vec![0u8; 64 * 1024];
        let n = stream.read(&mut buf)?;
        Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
    }

    /// Fills memory with another tenant's keys until the server evicts, then keeps writing
    /// about 200 keys a second on a thread until dropped.
    fn start_tenant(&mut self) -> Result<(), String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).map_err(|e| e.to_string())?;
        let value = "x".repeat(1024);
        let mut n = 0u64;
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.evicted()? == 0 {
            if Instant::now() > deadline {
                return Err("the tenant could not fill the server".into());
            }
            tenant_batch(&mut stream, n, 500, &value).map_err(|e| format!("tenant writes failed: {e}"))?;
            n += 500;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let running = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !running.load(Ordering::Relaxed) {
                if tenant_batch(&mut stream, n, 20, &value).is_err() {
                    return;
                }
                n += 20;
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        self.tenant = Some((stop, thread));
        Ok(())
    }

    fn evicted(&self) -> Result<u64, String> {
        let info = self.command(&["INFO", "stats"]).map_err(|e| e.to_string())?;
        Ok(info.lines().find_map(|l| l.strip_prefix("evicted_keys:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0))
    }
}

/// Writes `count` of the tenant's keys in one pipeline and reads their answers.
fn tenant_batch(stream: &mut TcpStream, from: u64, count: u64, value: &str) -> std::io::Result<()> {
    use std::io::{Read, Write};
    let mut out = Vec::new();
    for i in from..from + count {
        out.extend(resp(&["SET", &format!("tenant:blob:{i}"), value, "EX", "3600"]));
    }
    stream.write_all(&out)?;
    // Each SET answers `+OK\r\n`, 5 bytes.
    let mut answers = vec![0u8; (count * 5) as usize];
    stream.read_exact(&mut answers)
}

fn resp(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend(format!("${}\r\n", a.len()).into_bytes());
        out.extend(a.as_bytes());
        out.extend(b"\r\n");
    }
    out
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.tenant.take() {
            stop.store(true, Ordering::Relaxed);
            let _ = thread.join();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
