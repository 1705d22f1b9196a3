//! `casework`: the server and its administration commands.

use casework::{Config, file_store, open_store, settings};
use casework_app::demo::{DEMO_OFFICE, DEMO_PASSWORD, DEMO_STAFF};
use casework_app::staff::NewAccount;
use casework_app::{App, AppError, auth, demo, staff};
use clap::{Args, Parser, Subcommand};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc rather than glibc's malloc: under load glibc's took an eighth
/// of the server's CPU (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Casework: case management for the constituency offices of elected representatives.
///
/// Every command reads its configuration from defaults, then casework.toml (or --config),
/// then CASEWORK_* environment variables, then these flags.
#[derive(Parser)]
#[command(name = "casework", version, about, long_about)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// Configuration file (TOML). Default: casework.toml in the current directory, if present.
    #[arg(long, global = true, env = "CASEWORK_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Directory for the SQLite database and attachments [default: data].
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database to use instead: sqlite:PATH or postgres://USER@HOST/DB.
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (HTML pages and the JSON API under /api/v1).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Load the demo office (synthetic people and cases) if the database has none yet.
        #[arg(long)]
        demo: bool,
    },
    /// Manage offices.
    #[command(subcommand)]
    Office(OfficeCommand),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Build a synthetic demo office of a given size (also for benchmarks).
    Demo {
        /// How many constituents (cases are about 30% of that).
        #[arg(long, default_value_t = 300)]
        constituents: usize,
        /// Name of the office to create.
        #[arg(long, default_value = DEMO_OFFICE)]
        office: String,
        /// Emails each case has on average, 0 to 1,000 (offices above 5,000
        /// constituents, which are loaded in bulk).
        #[arg(long, default_value_t = demo::EMAILS_PER_CASE)]
        emails_per_case: f64,
    },
    /// Run the follow-up pass now, as the server does every ten minutes: a
    /// chase (or escalation) task for each enquiry whose reply is due, a
    /// review task for each case whose review date has come. Each is made
    /// once, however often this runs. Prints what it made and how long it took.
    FollowUp {
        /// Run as if today were this day (YYYY-MM-DD) in every office
        /// [default: each office's today, in its time zone].
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
    },
    /// Import and file email.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Connect office mailboxes (IMAP); the server polls them.
    #[command(subcommand)]
    Mailbox(MailboxCommand),
    /// Make a consistent copy of the database and the files into a new
    /// folder, while the server runs (SQLite: an online copy; PostgreSQL:
    /// pg_dump, which also holds files kept in the database).
    Backup {
        /// The folder to write (new, or empty).
        dest: PathBuf,
    },
    /// Put a backup back: into an empty database (a new data folder, or a
    /// PostgreSQL database without Casework's tables) and the file store.
    /// The backup is checked before anything is written.
    Restore {
        /// The backup's folder.
        src: PathBuf,
        /// Put back only the files, into a database restored already (to
        /// finish a restore that stopped at the files).
        #[arg(long)]
        files_only: bool,
    },
    /// Files (originals, attachments, letters, logos) and where they are kept.
    #[command(subcommand)]
    Files(FilesCommand),
    /// Apply database migrations and exit.
    Migrate,
    /// Print the API's OpenAPI document.
    Openapi,
}

#[derive(Subcommand)]
enum OfficeCommand {
    /// Create an office.
    Add {
        /// The office's name, e.g. "Office of Dana Whitfield MP".
        name: String,
        /// The office's level of government, which picks its starter
        /// tagging framework: federal, provincial or municipal.
        #[arg(long, default_value = "federal")]
        level: String,
    },
    /// List offices.
    List,
    /// Set the postcodes of the office's district (comma-separated prefixes such
    /// as "RV1, RV2"; empty for everyone), so that campaign replies can treat
    /// people outside it differently.
    District {
        /// The office's name.
        name: String,
        #[arg(long)]
        postcodes: String,
    },
    /// Load the office's postcode → ward table (CSV with the header
    /// `postcode,ward`; a postcode or a district per line), which Trends
    /// counts by. It replaces the table loaded before; a file with any bad
    /// line changes nothing.
    Wards {
        /// The office's name.
        name: String,
        /// The CSV file.
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a staff account (e.g. the first administrator).
    Add {
        /// The office the account belongs to (must exist: see `casework office add`).
        #[arg(long)]
        office: String,
        /// admin, office_manager, caseworker, volunteer or representative.
        #[arg(long)]
        role: String,
        #[arg(long)]
        email: String,
        /// Name shown to colleagues [default: the email's local part].
        #[arg(long, default_value = "")]
        name: String,
        /// Read the password from standard input (first line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum MailCommand {
    /// Import a .eml file, an mbox file or a Maildir folder (recognised by itself) into an office.
    /// Messages already stored are skipped, so importing twice imports nothing the second time.
    Import {
        /// A .eml file, an mbox file, a Maildir folder, or a folder of such files.
        path: PathBuf,
        /// The office whose mailbox this is.
        #[arg(long)]
        office: String,
        /// Messages stored per transaction.
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=5000))]
        batch: u32,
    },
}

#[derive(Subcommand)]
enum FilesCommand {
    /// Move the files of the local folder (blobs/ in the data folder) into
    /// the database or the object store (`files`), and, for the object
    /// store, those kept in the database before, or for the database,
    /// those kept in the object store before (`[s3]` still set); each
    /// checked by its SHA-256 once stored. Stopped part way, run it again:
    /// it goes on where it stopped. The folder (or bucket) is left as it
    /// is; empty it once `files check` passes and a backup holds the files.
    Move {
        /// Stop after moving this many files.
        #[arg(long)]
        limit: Option<u64>,
    },
    /// Read every file a record names and check it against its SHA-256.
    Check,
    /// Remove the files in the folder or the object store that no record
    /// names: left by a server stopped between keeping a file and saving
    /// its record, or by a change refused after its file was kept. Files
    /// written recently are spared (a record may be about to name them).
    /// In the database, every file is written with its records: nothing
    /// is left there to remove.
    Sweep {
        /// Spare unnamed files written less than this many hours ago.
        #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..=8760))]
        older_than_hours: u64,
        /// Count what would be removed, and remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum MailboxCommand {
    /// Connect an IMAP mailbox to an office (the connection is tried first).
    Add {
        #[arg(long)]
        office: String,
        #[arg(long)]
        host: String,
        /// Default: 993 with --tls, otherwise 143.
        #[arg(long)]
        port: Option<u16>,
        #[arg(long)]
        username: String,
        /// Read the mailbox password from standard input (first line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// TLS from the start (usually port 993).
        #[arg(long, conflicts_with = "starttls")]
        tls: bool,
        /// Upgrade to TLS with STARTTLS (usually port 143).
        #[arg(long)]
        starttls: bool,
        #[arg(long, default_value = "INBOX")]
        folder: String,
    },
    /// List the mailboxes of every office and how their polling goes.
    List,
    /// Poll every mailbox once now and report.
    Poll,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user; the token is printed alone on the last line.
    Create {
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long, default_value = "created from the command line")]
        label: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut config = match Config::load(cli.global.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("casework: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(d) = cli.global.data_dir {
        config.data_dir = d;
    }
    if let Some(u) = cli.global.database_url {
        config.database_url = u;
    }
    init_logs(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("casework: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config, cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("casework: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_logs(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CASEWORK_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(format!("{filter},sqlx=warn")))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// Shows an application error as a sentence for the operator.
fn explain(e: AppError) -> String {
    match e {
        AppError::Invalid(fields) => fields.0.values().cloned().collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

async fn run(config: Config, command: Command) -> Result<(), String> {
    if let Command::Openapi = command {
        println!("{}", casework_web::openapi_json());
        return Ok(());
    }
    // A restore writes into an empty database: before it is opened (and
    // given tables).
    if let Command::Restore { src, files_only } = &command {
        let (m, files) = casework::backup::restore(&config, src, *files_only).await?;
        println!(
            "Restored the {} backup made at {} (Casework {}): the database and {files} files. \
             Run `casework files check` to read every file back.",
            m.database, m.made_at, m.casework_version
        );
        return Ok(());
    }
    let store = open_store(&config).await?;
    // Files kept in the database stay readable only there, or (moving out
    // to an object store) from there until moved.
    if !config.files_in_database()
        && !config.files_in_s3()
        && store
            .has_stored_files()
            .await
            .map_err(|e| format!("cannot read the database: {e}"))?
    {
        return Err(
            "the database holds files (kept there with files = \"database\"), but the configuration says files = \"folder\": \
             set files = \"database\" again (or \"s3\", and move them to the bucket with casework files move)"
                .to_owned(),
        );
    }
    let app = App::new(
        store.clone(),
        file_store(&config, &store)?,
        settings(&config),
    );
    // Offices from before the tagging framework get theirs, once.
    casework_app::tags::upgrade_offices(&app)
        .await
        .map_err(explain)?;
    // And their cases' free-text agencies become directory entries, once.
    casework_app::agencies::upgrade_offices(&app)
        .await
        .map_err(explain)?;
    let result = match command {
        Command::Serve { listen, demo } => serve(app, &config, listen, demo).await,
        Command::Office(OfficeCommand::Add { name, level }) => {
            let starter = casework_app::domain::tags::Starter::parse(&level).ok_or_else(|| {
                format!("The level must be federal, provincial or municipal, not \"{level}\".")
            })?;
            let o = staff::create_office(&app, &name, starter)
                .await
                .map_err(explain)?;
            println!("Created office {} (id {}).", o.name, o.id);
            Ok(())
        }
        Command::Office(OfficeCommand::Wards { name, file }) => {
            let office = staff::office_by_name(&app, &name).await.map_err(explain)?;
            let bytes =
                std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let n = casework_app::trends::load_postcode_wards_for_office(&app, office.id, &bytes)
                .await
                .map_err(explain)?;
            println!("{}: {n} postcodes in the ward table.", office.name);
            Ok(())
        }
        Command::Office(OfficeCommand::District { name, postcodes }) => {
            let office = staff::office_by_name(&app, &name).await.map_err(explain)?;
            let list = casework_app::campaigns::set_district(&app, office.id, &postcodes)
                .await
                .map_err(explain)?;
            if list.is_empty() {
                println!(
                    "{}: no district set; everyone counts as a constituent.",
                    office.name
                );
            } else {
                println!("{}: district postcodes {}.", office.name, list);
            }
            Ok(())
        }
        Command::Office(OfficeCommand::List) => {
            for o in casework_app::staff::offices(&app).await.map_err(explain)? {
                println!("{}\t{}", o.id, o.name);
            }
            Ok(())
        }
        Command::User(UserCommand::Add {
            office,
            role,
            email,
            name,
            password_stdin: _,
        }) => {
            let office = staff::office_by_name(&app, &office)
                .await
                .map_err(explain)?;
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
            let password = password.lines().next().unwrap_or("").to_owned();
            let u = staff::create_user(
                &app,
                None,
                office.id,
                &NewAccount {
                    email,
                    display_name: name,
                    role,
                    password,
                },
            )
            .await
            .map_err(explain)?;
            println!("Created {} ({}) in {}.", u.email, u.role, office.name);
            Ok(())
        }
        Command::Token(TokenCommand::Create { email, label }) => {
            let token = auth::create_api_token_for(&app, &email, &label)
                .await
                .map_err(explain)?;
            println!("API token for {email} (shown once; keep it secret):");
            println!("{token}");
            Ok(())
        }
        Command::Demo {
            constituents,
            office,
            emails_per_case,
        } => {
            let started = std::time::Instant::now();
            let report = demo::build_office(&app, &office, constituents, emails_per_case)
                .await
                .map_err(explain)?;
            println!(
                "Built {office}: {} constituents, {} cases, {} history entries, {} emails in {:.1}s.",
                report.constituents,
                report.cases,
                report.entries,
                report.messages,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::FollowUp { on } => {
            if let Some(day) = &on
                && !casework_domain::validate::is_valid_date(day)
            {
                return Err(format!("--on: \"{day}\" is not a date written YYYY-MM-DD."));
            }
            let started = std::time::Instant::now();
            let made = casework_app::tasks::follow_up_on(&app, on.as_deref())
                .await
                .map_err(explain)?;
            println!(
                "Follow-up pass: {} chase or escalation tasks, {} review tasks, {} quiet-case tasks made in {:.1} ms.",
                made.chases,
                made.reviews,
                made.quiet,
                started.elapsed().as_secs_f64() * 1000.0
            );
            Ok(())
        }
        Command::Mail(MailCommand::Import {
            path,
            office,
            batch,
        }) => {
            let office = staff::office_by_name(&app, &office)
                .await
                .map_err(explain)?;
            let started = std::time::Instant::now();
            let report = casework_app::intake::import_path(&app, office.id, &path, batch as usize)
                .await
                .map_err(explain)?;
            for (source, reason) in &report.rejected {
                println!("rejected: {source}: {reason}");
            }
            let secs = started.elapsed().as_secs_f64();
            println!(
                "Imported {} messages ({} filed automatically, {} grouped into campaigns, {} to the intake inbox), skipped {} already stored, rejected {} in {:.1}s.",
                report.imported,
                report.filed,
                report.campaign,
                report
                    .imported
                    .saturating_sub(report.filed + report.campaign),
                report.skipped,
                report.rejected.len(),
                secs
            );
            Ok(())
        }
        Command::Mailbox(MailboxCommand::Add {
            office,
            host,
            port,
            username,
            password_stdin: _,
            tls,
            starttls,
            folder,
        }) => {
            let office = staff::office_by_name(&app, &office)
                .await
                .map_err(explain)?;
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
            let password = password.lines().next().unwrap_or("").to_owned();
            let mode = if tls {
                "tls"
            } else if starttls {
                "starttls"
            } else {
                "none"
            };
            let settings = casework_mail::imap::ImapSettings {
                port: port.unwrap_or(if tls { 993 } else { 143 }),
                host,
                username,
                password,
                tls: mode.into(),
                folder,
                ca_pem: String::new(),
            };
            let id = casework_app::mailboxes::add(&app, office.id, &settings, true)
                .await
                .map_err(explain)?;
            println!(
                "Connected mailbox {} ({}) to {}; the server polls it.",
                settings.username, id, office.name
            );
            Ok(())
        }
        Command::Mailbox(MailboxCommand::List) => {
            for office in casework_app::staff::offices(&app).await.map_err(explain)? {
                for m in casework_app::mailboxes::list_for_office(&app, office.id)
                    .await
                    .map_err(explain)?
                {
                    println!(
                        "{}\t{}\t{}@{}:{}/{}\tlast UID {}\t{}",
                        m.id,
                        office.name,
                        m.username,
                        m.host,
                        m.port,
                        m.folder,
                        m.last_uid,
                        if m.last_error.is_empty() {
                            "ok".to_owned()
                        } else {
                            m.last_error.clone()
                        }
                    );
                }
            }
            Ok(())
        }
        Command::Mailbox(MailboxCommand::Poll) => {
            let r = casework_app::mailboxes::poll_all(&app)
                .await
                .map_err(explain)?;
            println!(
                "Imported {} messages, skipped {} already stored, rejected {}.",
                r.imported,
                r.skipped,
                r.rejected.len()
            );
            Ok(())
        }
        Command::Migrate => {
            println!("The database is up to date.");
            Ok(())
        }
        Command::Backup { dest } => {
            let m = casework::backup::backup(&config, &store, &app.files, &dest).await?;
            // For the status page: when the last backup was made.
            store
                .record_backup(&casework_store::files::BackupRecord {
                    made_at: app.now(),
                    database: m.database.clone(),
                    files: m.files as i64,
                    bytes: m.files_bytes as i64,
                    damaged: m.damaged.len() as i64,
                })
                .await
                .map_err(|e| format!("the backup is made, but could not be recorded: {e}"))?;
            println!(
                "Backed up the {} database and {} files ({} bytes) into {}.",
                m.database,
                m.files,
                m.files_bytes,
                dest.display()
            );
            if m.damaged.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{} files do not hold what their names say (damaged on disk) and are not in the backup; \
                     the rest is. Put them back from an older backup: {}",
                    m.damaged.len(),
                    m.damaged.join(", ")
                ))
            }
        }
        Command::Restore { .. } => Ok(()),
        Command::Files(FilesCommand::Move { limit }) => {
            if !config.files_in_database() && !config.files_in_s3() {
                return Err(
                    "files are kept in the folder (files = \"folder\"): set files = \"database\" or \"s3\" to move them there"
                        .into(),
                );
            }
            let folder = casework_store::blobs::Files::folder(config.files_folder());
            let to = casework::shared_files(&config, &store, None)?;
            let mut r = casework::backup::Moved::default();
            casework::backup::move_files(&to, &folder, limit, &mut r).await?;
            if config.files_in_s3() {
                // And those kept in the database before.
                casework::backup::move_out_of_database(&store, &to, limit, &mut r).await?;
            } else if let Some(bucket) = app.files.old_bucket() {
                // And those kept in the object store before.
                casework::backup::move_files(&to, &bucket, limit, &mut r).await?;
            }
            println!(
                "Moved {} files ({} bytes) into the {}; {} were there already.",
                r.moved,
                r.bytes,
                if config.files_in_s3() {
                    "object store"
                } else {
                    "database"
                },
                r.already
            );
            if r.left > 0 {
                println!("{} files are left: run the command again to go on.", r.left);
            }
            if !r.damaged.is_empty() {
                println!(
                    "{} files do not hold what their names say and were left where they were ({} or the old store): {}",
                    r.damaged.len(),
                    config.files_folder().display(),
                    r.damaged.join(", ")
                );
            }
            Ok(())
        }
        Command::Files(FilesCommand::Check) => {
            let c = casework::backup::check_files(&store, &app.files).await?;
            println!(
                "{} files named by records; {} read back whole ({} store).",
                c.named,
                c.good,
                app.files.kind()
            );
            if c.missing.is_empty() && c.damaged.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{} files are missing and {} damaged: missing {}; damaged {}",
                    c.missing.len(),
                    c.damaged.len(),
                    c.missing.join(", "),
                    c.damaged.join(", ")
                ))
            }
        }
        Command::Files(FilesCommand::Sweep {
            older_than_hours,
            dry_run,
        }) => {
            let cutoff = std::time::SystemTime::now()
                - std::time::Duration::from_secs(older_than_hours * 3600);
            let r = app
                .files
                .sweep(&store, cutoff, dry_run)
                .await
                .map_err(|e| format!("cannot sweep the files: {e}"))?;
            if app.files.kind() == "database" {
                println!(
                    "Files are kept in the database, each written with the records that name it: there is nothing to sweep."
                );
                return Ok(());
            }
            let home = if app.files.kind() == "s3" {
                "object store"
            } else {
                "folder"
            };
            println!(
                "{} files in the {home}; {} named by no record and older than {older_than_hours} h ({} bytes){}; {} unnamed but recent, kept.",
                r.files,
                r.unnamed,
                r.bytes,
                if dry_run {
                    ", not removed (dry run)"
                } else {
                    ", removed"
                },
                r.recent
            );
            Ok(())
        }
        Command::Openapi => Ok(()),
    };
    store.close().await;
    result
}

async fn serve(
    app: App,
    config: &Config,
    listen: Option<String>,
    load_demo: bool,
) -> Result<(), String> {
    if load_demo {
        let (office, created) = demo::ensure_demo_office(&app, 300).await.map_err(explain)?;
        if created {
            tracing::info!(office_id = office.id, "demo office created");
        }
    }
    let addr = listen.unwrap_or_else(|| config.listen.clone());
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    println!("Casework is running at http://{local}/");
    if load_demo {
        println!(
            "Demo office: {DEMO_OFFICE}. Sign in with any of these (password: {DEMO_PASSWORD}):"
        );
        for (email, name, role) in DEMO_STAFF {
            println!("  {email:<36} {name} ({})", role.label());
        }
    }
    tracing::info!(address = %local, backend = ?app.backend(), files = app.files.kind(), "listening");
    if !app.settings.smtp.is_configured() {
        tracing::warn!("SMTP is not configured: outgoing email waits in the outbox");
    }
    // Background work (the outbox, mailbox polling, session sweeping,
    // campaign upkeep) is jobs in the database, shared by all app servers.
    casework_app::jobs::register(&app)
        .await
        .map_err(|e| format!("cannot register the background jobs: {e}"))?;
    tokio::spawn(casework_app::jobs::serve(app.clone()));
    // The machine's font list, read now rather than by the first letter
    // that names someone in a script the built-in font lacks.
    tokio::task::spawn_blocking(casework_app::letters::warm_up_fonts);
    let web = casework_web::WebConfig {
        secure_cookies: config.secure_cookies,
        trusted_proxies: casework_web::parse_trusted_proxies(&config.trusted_proxies)?,
        limits: casework_web::ConnectionLimits {
            max_connections: config.max_http_connections,
            header_timeout: std::time::Duration::from_secs(config.header_timeout_seconds.max(1)),
            idle_timeout: std::time::Duration::from_secs(config.idle_timeout_seconds.max(1)),
            body_timeout: std::time::Duration::from_secs(config.body_timeout_seconds.max(1)),
        },
    };
    casework_web::serve(app, web, listener, shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
