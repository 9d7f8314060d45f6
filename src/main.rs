use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(auditfix::cli::main() as u8)
}
