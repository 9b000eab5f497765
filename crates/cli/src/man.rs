//! `awsauth completions SHELL` (clap_complete) and the hidden `awsauth man --dir DIR`
//! (clap_mangen), which `cargo xtask man` runs: both are generated from the same clap
//! definition as the parser, so they cannot drift from it.

use std::path::Path;

use clap::CommandFactory;

use crate::args::Cli;
use crate::error::CliError;

/// The completion script for `shell`.
pub(crate) fn completions(shell: clap_complete::Shell) -> String {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "awsauth", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes `awsauth.1` and one `awsauth-<command>.1` per visible subcommand into `dir`; returns
/// the list of files written, one a line.
pub(crate) fn write_pages(dir: &Path) -> Result<String, CliError> {
    let cannot = |path: &Path, e: std::io::Error| {
        CliError::invalid(format!("cannot write {}: {e}", path.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| cannot(dir, e))?;
    let mut command = Cli::command();
    command.build();
    let mut written = String::new();
    let mut pages = vec![("awsauth".to_owned(), command.clone())];
    for sub in command
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("awsauth-{}", sub.get_name());
        pages.push((
            name,
            sub.clone()
                .display_name(format!("awsauth {}", sub.get_name())),
        ));
    }
    for (name, page) in pages {
        let mut roff = Vec::new();
        clap_mangen::Man::new(page)
            .title(name.clone())
            .render(&mut roff)
            .map_err(|e| cannot(dir, e))?;
        let path = dir.join(format!("{name}.1"));
        std::fs::write(&path, roff).map_err(|e| cannot(&path, e))?;
        written.push_str(&format!("{}\n", path.display()));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_name_the_subcommands() {
        let bash = completions(clap_complete::Shell::Bash);
        for sub in ["resolve", "explain", "serve", "exec", "curl", "profiles"] {
            assert!(bash.contains(sub), "{sub}");
        }
        assert!(completions(clap_complete::Shell::Zsh).contains("#compdef awsauth"));
    }
}
