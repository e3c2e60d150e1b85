//! PostgreSQL, for several servers that share one store (`--database postgres://…`): a pool
//! of connections (r2d2 over the `postgres` client), the same statements and migrations as
//! SQLite.
//!
//! The server may be down when kb starts, or go away later: the store is created without a
//! connection, migrates on its first one, and a watcher thread tries to reconnect every
//! second while it is unreachable, so that [`Backend::available`] answers at once (the
//! pages say why feedback is off) and feedback comes back by itself.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use postgres::NoTls;
use postgres::types::{ToSql, Type};
use r2d2_postgres::PostgresConnectionManager;

use super::StoreError;
use super::migrations::MIGRATIONS;
use super::sql::{Backend, BackendError, Row, Value, dollar_placeholders};

/// Connections kept at most.
const POOL_SIZE: u32 = 8;
/// How long a statement waits for a connection before it fails as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How often an unreachable server is tried again.
const RETRY: Duration = Duration::from_secs(1);
/// The advisory lock that lets one of several servers starting at once migrate.
const MIGRATION_LOCK: i64 = 0x6b62_5f73_6368_656d; // "kb_schem"

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

/// PostgreSQL at a URL.
#[derive(Debug)]
pub struct Postgres {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    /// `host:port/database`, for messages.
    at: String,
    migrated: AtomicBool,
    /// Why the server cannot be used now; `None` while it answers.
    down: Mutex<Option<String>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres").field("at", &self.at).finish()
    }
}

impl Postgres {
    /// A store at `url` (`postgres://user@host:port/database`). Fails only for a URL that
    /// cannot be read; a server that is down now is reported by [`Backend::available`]
    /// until it answers.
    pub fn connect(url: &str) -> Result<Postgres, StoreError> {
        let config: postgres::Config = url.parse().map_err(|e| StoreError::Engine {
            at: "--database".to_owned(),
            message: format!("not a PostgreSQL URL (postgres://user@host:port/database): {e}"),
        })?;
        let at = describe(&config);
        let mut config = config;
        config.connect_timeout(CONNECT_TIMEOUT);
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(0))
            .connection_timeout(CONNECT_TIMEOUT)
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build_unchecked(PostgresConnectionManager::new(config, NoTls));
        let inner = Arc::new(Inner {
            pool,
            at,
            migrated: AtomicBool::new(false),
            down: Mutex::new(Some("not connected yet".to_owned())),
        });
        // The first connection, now: it migrates, and says at once whether the server is up.
        inner.check();
        watch(Arc::downgrade(&inner));
        Ok(Postgres { inner })
    }
}

/// `host:port/database` of a configuration, without user or password.
fn describe(c: &postgres::Config) -> String {
    let host = c
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_default();
    let port = c.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{host}:{port}/{}",
        c.get_dbname().unwrap_or_default()
    )
}

/// Tries an unreachable server again every [`RETRY`], and a reachable one as often, so that
/// a server that went away is noticed before a request needs it. Ends with the store.
fn watch(inner: Weak<Inner>) {
    let spawned = std::thread::Builder::new()
        .name("kb-postgres".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(RETRY);
                let Some(inner) = inner.upgrade() else { return };
                inner.check();
            }
        });
    if let Err(e) = spawned {
        tracing::error!("starting the PostgreSQL watcher: {e}");
    }
}

impl Inner {
    /// Connects (migrating on the first connection) and runs `SELECT 1`; records the outcome.
    fn check(&self) {
        let outcome = self.client().and_then(|mut c| {
            c.simple_query("SELECT 1")
                .map(drop)
                .map_err(|e| self.fail(e))
        });
        if let Err(e) = outcome {
            self.set_down(e.message);
        }
    }

    fn set_down(&self, why: String) {
        let mut down = self.down.lock().unwrap_or_else(|e| e.into_inner());
        if down.is_none() {
            tracing::warn!("PostgreSQL at {} is unreachable: {why}", self.at);
        }
        *down = Some(why);
    }

    fn set_up(&self) {
        let mut down = self.down.lock().unwrap_or_else(|e| e.into_inner());
        if down.take().is_some() {
            tracing::info!("PostgreSQL at {} answers", self.at);
        }
    }

    /// A connection from the pool, the schema migrated.
    fn client(
        &self,
    ) -> Result<r2d2::PooledConnection<PostgresConnectionManager<NoTls>>, BackendError> {
        let mut client = self.pool.get().map_err(|e| {
            let e = BackendError {
                message: format!("{}: {e}", self.at),
            };
            self.set_down(e.message.clone());
            e
        })?;
        if !self.migrated.load(Ordering::Acquire) {
            migrate(&mut client, &self.at).inspect_err(|e| self.set_down(e.message.clone()))?;
            self.migrated.store(true, Ordering::Release);
        }
        self.set_up();
        Ok(client)
    }

    /// The error of a statement; a lost connection marks the server down.
    fn fail(&self, e: postgres::Error) -> BackendError {
        let unreachable = e.is_closed() || e.code().is_none();
        let e = BackendError {
            message: format!("{}: {e}", self.at),
        };
        if unreachable {
            self.set_down(e.message.clone());
        }
        e
    }
}

fn migrate(client: &mut postgres::Client, at: &str) -> Result<(), BackendError> {
    let failed = |e: postgres::Error| BackendError {
        message: format!("{at}: migrating: {e}"),
    };
    let mut tx = client.transaction().map_err(failed)?;
    // Several servers may start at once: one migrates, the others wait here and find it done.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(failed)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS kb_schema (version BIGINT NOT NULL)")
        .map_err(failed)?;
    let found: i64 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM kb_schema", &[])
        .map_err(failed)?
        .get(0);
    let known = MIGRATIONS.len() as i64;
    if found > known {
        return Err(BackendError {
            message: format!(
                "{at} was written by a newer kb (schema version {found}, this kb knows {known})"
            ),
        });
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.batch_execute(step.postgres).map_err(failed)?;
        tx.execute(
            "INSERT INTO kb_schema (version) VALUES ($1)",
            &[&(i as i64 + 1)],
        )
        .map_err(failed)?;
        tracing::info!("{at}: schema version {}", i + 1);
    }
    tx.commit().map_err(failed)
}

fn params(values: &[Value]) -> Vec<Box<dyn ToSql + Sync>> {
    values
        .iter()
        .map(|v| -> Box<dyn ToSql + Sync> {
            match v {
                Value::Int(i) => Box::new(*i),
                Value::Text(s) => Box::new(s.clone()),
                Value::Null => Box::new(None::<String>),
            }
        })
        .collect()
}

fn row(r: &postgres::Row) -> Result<Row, postgres::Error> {
    let mut out = Vec::with_capacity(r.len());
    for (i, column) in r.columns().iter().enumerate() {
        let t = column.type_();
        let v = if *t == Type::INT8 {
            r.try_get::<_, Option<i64>>(i)?.map(Value::Int)
        } else if *t == Type::INT4 {
            r.try_get::<_, Option<i32>>(i)?
                .map(|v| Value::Int(v.into()))
        } else if *t == Type::INT2 {
            r.try_get::<_, Option<i16>>(i)?
                .map(|v| Value::Int(v.into()))
        } else if *t == Type::BOOL {
            r.try_get::<_, Option<bool>>(i)?.map(Value::from)
        } else {
            r.try_get::<_, Option<String>>(i)?.map(Value::Text)
        };
        out.push(v.unwrap_or(Value::Null));
    }
    Ok(Row(out))
}

impl Backend for Postgres {
    fn describe(&self) -> String {
        self.inner.at.clone()
    }

    fn query(&self, sql: &str, values: &[Value]) -> Result<Vec<Row>, BackendError> {
        let mut client = self.inner.client()?;
        let owned = params(values);
        let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(|b| b.as_ref()).collect();
        let rows = client
            .query(dollar_placeholders(sql).as_str(), &refs)
            .map_err(|e| self.inner.fail(e))?;
        rows.iter()
            .map(row)
            .collect::<Result<_, _>>()
            .map_err(|e| self.inner.fail(e))
    }

    fn execute(&self, sql: &str, values: &[Value]) -> Result<u64, BackendError> {
        let mut client = self.inner.client()?;
        let owned = params(values);
        let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(|b| b.as_ref()).collect();
        client
            .execute(dollar_placeholders(sql).as_str(), &refs)
            .map_err(|e| self.inner.fail(e))
    }

    fn available(&self) -> Result<(), String> {
        match &*self.inner.down.lock().unwrap_or_else(|e| e.into_inner()) {
            None => Ok(()),
            Some(why) => Err(format!(
                "PostgreSQL at {} is unreachable: {why}",
                self.inner.at
            )),
        }
    }
}

/// Creates a new, empty database `name` on the server at `url` and returns the URL of it:
/// for tests, which each take a database of their own on one throwaway server.
pub fn create_database(url: &str, name: &str) -> Result<String, StoreError> {
    let engine = |message: String| StoreError::Engine {
        at: url.split('@').next_back().unwrap_or_default().to_owned(),
        message,
    };
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(engine(format!("`{name}` is not a plain database name")));
    }
    let mut client =
        postgres::Client::connect(url, NoTls).map_err(|e| engine(format!("connecting: {e}")))?;
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .map_err(|e| engine(format!("creating database {name}: {e}")))?;
    // The same server and user, another database: `scheme://authority/name`.
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| engine("not a postgres:// URL".to_owned()))?;
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    Ok(format!("{scheme}://{authority}/{name}"))
}
