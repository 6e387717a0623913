//! Prints the structural dump of a wire message file (a request's inputs or a response's output):
//! `cargo run -p sandcrate-wire --example dump -- message.bin`
use sandcrate_wire::*;

fn main() {
    let path = std::env::args().nth(1).expect("usage: dump <message.bin>");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match Response::decode(&bytes) {
        Ok(r) => match r.outcome {
            Outcome::Expanded(s) => print!("{}", dump_tokens(&s)),
            Outcome::Panicked { message, location } => println!("panicked: {message} {location:?}"),
            Outcome::Failed(m) => println!("failed: {m}"),
            Outcome::NeedsInputs { current_dir, paths } => println!("needs inputs: current dir {current_dir}, {paths:?}"),
        },
        Err(response_error) => match Request::decode(&bytes) {
            Ok(r) => {
                for input in r.attr.iter().chain([&r.input]) {
                    match input {
                        Input::Tokens(s) => print!("{}", dump(s)),
                        Input::Source { file, text } => println!("source {file}:\n{text}"),
                    }
                }
            }
            Err(_) => {
                eprintln!("{path}: {response_error}");
                std::process::exit(1);
            }
        },
    }
}
