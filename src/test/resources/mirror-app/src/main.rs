//! DebianMirrorTest's project, built only from a mirror of Debian's packaged crates (18 direct dependencies, about 80
//! in all): hashes the files under a folder whose names match a pattern, in parallel, and prints a JSON report (or
//! TOML), optionally gzipped and base64-encoded.
use anyhow::{Context, Result};
use clap::Parser;
use indexmap::IndexMap;
use itertools::Itertools;
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "mirror-app", about = "hash matching files")]
struct Args {
    /// folder to scan
    root: PathBuf,
    /// regular expression the file name must match
    #[arg(long, default_value = ".*")]
    pattern: String,
    /// print TOML instead of JSON
    #[arg(long)]
    toml: bool,
    /// gzip the report and print it base64-encoded
    #[arg(long)]
    gzip: bool,
}

#[derive(Debug, thiserror::Error)]
enum ScanError {
    #[error("invalid pattern `{0}`")]
    Pattern(String),
}

#[derive(Serialize)]
struct Report {
    total_bytes: u64,
    scanned_at_year: i32,
    files: IndexMap<String, String>,
    by_extension: IndexMap<String, usize>,
}

#[tokio::main]
async fn main() -> Result<()> {
    env_logger::init();
    let args = Args::parse();
    let re = regex::Regex::new(&args.pattern).map_err(|_| ScanError::Pattern(args.pattern.clone()))?;
    let paths: Vec<PathBuf> = walkdir::WalkDir::new(&args.root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && re.is_match(&e.file_name().to_string_lossy()))
        .map(|e| e.into_path())
        .collect();
    log::info!("{} files match", paths.len());
    let mut total_bytes = 0u64;
    for p in &paths {
        total_bytes += tokio::fs::metadata(p).await.with_context(|| format!("stat {}", p.display()))?.len();
    }
    let hashes: Vec<(String, String)> = paths
        .par_iter()
        .map(|p| {
            let bytes = std::fs::read(p).unwrap();
            let rel = p.strip_prefix(&args.root).unwrap().to_string_lossy().replace('\\', "/");
            (rel, format!("{:x}", Sha256::digest(&bytes)))
        })
        .collect();
    let by_extension = paths
        .iter()
        .map(|p| p.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default())
        .sorted()
        .dedup_with_count()
        .map(|(n, e)| (e, n))
        .collect();
    let report = Report {
        total_bytes,
        scanned_at_year: chrono::Datelike::year(&chrono::Utc::now()),
        files: hashes.into_iter().collect(),
        by_extension,
    };
    let text = if args.toml { toml::to_string(&report)? } else { serde_json::to_string_pretty(&report)? };
    if args.gzip {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(text.as_bytes())?;
        println!("{}", base64::encode(gz.finish()?));
    } else {
        println!("{text}");
    }
    Ok(())
}
