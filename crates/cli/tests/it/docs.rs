//! Docs that cannot go stale: every `awsauth …` command in a code block of README.md,
//! crates/cli/README.md and docs/**.md runs here, against the testkit fakes in a scratch HOME
//! (the [`World`]), and where the page shows its output (a `$ awsauth …` line followed by
//! text), the output must match.
//!
//! How a page's examples are read (CONTRIBUTING.md has the same, for writers):
//!
//! - A code block with `$ ` lines is a console transcript: each `$ ` command (with `\`
//!   continuations) is followed by what it prints, stdout then stderr. `[..]` in a line
//!   matches any text, a line `...` any number of lines. A command whose comment says
//!   `pretty-printed` has its JSON compared as JSON.
//! - Any other code line that invokes `awsauth <command>` (also after `VAR=value`, `sudo …`,
//!   `kubectl exec … --`, inside `eval "$(…)"`, or as `credential_process = …`) must exit 0.
//! - An HTML comment right before a block sets options for it:
//!   `<!-- doctest: world=NAME exit=N -->`. `world` picks a variant of the world (see
//!   [`World::variant`]); `exit` is the status every command of the block must exit with.
//! - `explain` without `--run` sees no fake endpoints (it touches no network, and its output
//!   shows the real ones); every other command resolves against the fake IMDS and STS.
//! - Paths the pages use (`/home/grafana`, `/etc/awsauth/…`, `/usr/local/bin/awsauth`,
//!   `datasource.json`) are mapped into the scratch directory, and back in the output.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::{Fakes, Home};
use awsauth_testkit::RoleRule;

/// The key pair of the pages' `base` profile and settings files.
const DOC_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const DOC_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const DOC_TOKEN: &str = "doc-example-session-token";

/// The pages' `~/.aws/config`.
const DOC_CONFIG: &str = "[profile reader]\nrole_arn = arn:aws:iam::123456789012:role/reader\nsource_profile = base\n\
                          external_id = example-external-id\nrole_session_name = grafana\nregion = eu-west-1\n";
/// docs/sso.md's session and profile.
const SSO_CONFIG: &str = "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\
                          sso_registration_scopes = sso:account:access\n\
                          [profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\nregion = us-east-1\n";
const SSO_TOKEN: &str = "doc-example-sso-access-token";

/// One command found in a page.
#[derive(Debug)]
struct Example {
    file: String,
    line: usize,
    /// The shell line as written (without `$ `).
    shell: String,
    /// What the page shows it printing, if it shows anything.
    expected: Option<Vec<String>>,
    world: Option<String>,
    exit: Option<i32>,
}

/// The pages whose examples are checked.
fn pages() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut pages = vec![root.join("README.md"), root.join("crates/cli/README.md")];
    let mut stack = vec![root.join("docs")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                pages.push(path);
            }
        }
    }
    pages.sort();
    pages
}

const SUBCOMMANDS: &[&str] = &[
    "resolve",
    "explain",
    "whoami",
    "profiles",
    "serve",
    "exec",
    "curl",
    "demo",
    "completions",
];

/// Whether a line invokes `awsauth <command>`.
fn invokes_awsauth(line: &str) -> bool {
    line.split(|c: char| c.is_whitespace() || c == '(' || c == '"')
        .collect::<Vec<_>>()
        .windows(2)
        .any(|w| (w[0] == "awsauth" || w[0].ends_with("/awsauth")) && SUBCOMMANDS.contains(&w[1]))
}

fn directive(line: &str) -> Option<(Option<String>, Option<i32>)> {
    let inner = line
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim()
        .strip_prefix("doctest:")?;
    let mut world = None;
    let mut exit = None;
    for option in inner.split_whitespace() {
        match option.split_once('=') {
            Some(("world", w)) => world = Some(w.to_owned()),
            Some(("exit", n)) => exit = Some(n.parse().expect("doctest: exit=N")),
            _ => panic!("unknown doctest option {option:?} in {line:?}"),
        }
    }
    Some((world, exit))
}

/// The examples of one page.
fn examples(path: &Path, text: &str) -> Vec<Example> {
    let file = path.display().to_string();
    let mut found = Vec::new();
    let mut pending: Option<(Option<String>, Option<i32>)> = None;
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(d) = directive(line) {
            pending = Some(d);
            i += 1;
            continue;
        }
        let Some(lang) = line.trim_start().strip_prefix("```") else {
            if !line.trim().is_empty() {
                pending = None;
            }
            i += 1;
            continue;
        };
        let (world, exit) = pending.take().unwrap_or_default();
        let start = i + 1;
        let mut end = start;
        while end < lines.len() && !lines[end].trim_start().starts_with("```") {
            end += 1;
        }
        let block = &lines[start..end];
        i = end + 1;
        if lang.trim() == "rust" {
            continue;
        }
        let console = block.iter().any(|l| l.starts_with("$ "));
        let mut j = 0;
        while j < block.len() {
            let first = j;
            let mut shell = block[j].strip_prefix("$ ").unwrap_or(block[j]).to_owned();
            let is_prompt = block[j].starts_with("$ ");
            while shell.trim_end().ends_with('\\') && j + 1 < block.len() {
                shell = format!(
                    "{} {}",
                    shell.trim_end().trim_end_matches('\\').trim_end(),
                    block[j + 1].trim()
                );
                j += 1;
            }
            j += 1;
            if console && !is_prompt {
                continue;
            }
            let mut expected = None;
            if console {
                let mut out = Vec::new();
                while j < block.len() && !block[j].starts_with("$ ") {
                    out.push(block[j].to_owned());
                    j += 1;
                }
                expected = Some(out);
            }
            if invokes_awsauth(&shell) {
                found.push(Example {
                    file: file.clone(),
                    line: start + first + 1,
                    shell,
                    expected,
                    world: world.clone(),
                    exit,
                });
            }
        }
    }
    found
}

/// Shell words, with single and double quotes and backslashes.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                word.push(n);
                            }
                        }
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// The line without a trailing `# comment` (outside quotes).
fn strip_comment(line: &str) -> (&str, &str) {
    let mut quote = None;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, b) {
            (None, b'\'' | b'"') => quote = Some(b),
            (Some(q), b) if b == q => quote = None,
            (None, b'#') if i == 0 || bytes[i - 1].is_ascii_whitespace() => {
                return (&line[..i], &line[i..]);
            }
            _ => {}
        }
    }
    (line, "")
}

/// `line` split at each of `at` that is outside quotes.
fn unquoted_split(line: &str, at: &[char]) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) if at.contains(&c) => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    parts
}

/// The `awsauth` invocation in a shell line: its environment assignments and arguments.
fn invocation(shell: &str) -> (Vec<(String, String)>, Vec<String>) {
    let (code, _) = strip_comment(shell);
    let mut code = code.to_owned();
    if let Some(at) = code.find("$(") {
        let inner = &code[at + 2..];
        code = inner[..inner.rfind(')').unwrap_or(inner.len())].to_owned();
    }
    // The part of a pipeline (or list) that runs awsauth, without redirections.
    let parts = unquoted_split(&code, &['|', ';', '&']);
    let part = parts
        .iter()
        .find(|p| invokes_awsauth(p))
        .map_or(code.as_str(), String::as_str);
    let part = unquoted_split(part, &['>']).swap_remove(0);
    let words = words(&part);
    let at = words
        .iter()
        .position(|w| w == "awsauth" || w.ends_with("/awsauth"))
        .expect("an awsauth invocation");
    let env = words[..at]
        .iter()
        .filter_map(|w| w.split_once('='))
        .filter(|(k, _)| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
        })
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    (env, words[at + 1..].to_vec())
}

/// Where the examples run: a scratch directory with the pages' files, the fakes, and the
/// paths the pages name mapped into it.
struct World {
    _home: Home,
    fakes: Fakes,
    /// IAM Identity Center, for the `sso` variant (on a runtime of its own).
    sso: awsauth_testkit::FakeSso,
    _sso_runtime: tokio::runtime::Runtime,
    root: PathBuf,
    /// (as the page writes it, where it is here), longest first.
    paths: Vec<(String, String)>,
}

impl World {
    fn new() -> Self {
        let home = Home::new();
        let root = home.path().to_path_buf();
        let fakes = Fakes::start();
        fakes
            .sts
            .add_key(DOC_KEY_ID, DOC_SECRET)
            .add_role(
                "arn:aws:iam::123456789012:role/reader",
                RoleRule {
                    external_id: Some("example-external-id".to_owned()),
                },
            )
            .add_role(
                "arn:aws:iam::123456789012:role/grafana-reader",
                RoleRule {
                    external_id: Some("tenant-42".to_owned()),
                },
            )
            .accept_web_identity_tokens(&["eyJ.doc-example-token.sig"]);
        // The instance role's keys sign calls too (`whoami` on EC2).
        let instance = fakes.imds.credentials();
        fakes
            .sts
            .add_key(&instance.access_key_id, &instance.secret_access_key);
        let sso_runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sso = sso_runtime
            .block_on(awsauth_testkit::FakeSso::start())
            .unwrap();
        sso.add_access_token(SSO_TOKEN);
        let sts = fakes.sts.endpoint();
        let world = Self {
            sso,
            _sso_runtime: sso_runtime,
            paths: vec![
                // `curl` examples call STS: the fake one.
                ("https://sts.us-east-1.amazonaws.com".into(), sts),
                (
                    "/usr/local/bin/awsauth".into(),
                    env!("CARGO_BIN_EXE_awsauth").into(),
                ),
                (
                    "/home/grafana".into(),
                    root.join("home/grafana").display().to_string(),
                ),
                (
                    "/usr/share/grafana".into(),
                    root.join("usr/share/grafana").display().to_string(),
                ),
                (
                    "/etc/awsauth".into(),
                    root.join("etc/awsauth").display().to_string(),
                ),
                (
                    "/var/run/secrets/eks.amazonaws.com".into(),
                    root.join("var/run/secrets/eks.amazonaws.com")
                        .display()
                        .to_string(),
                ),
            ],
            _home: home,
            fakes,
            root,
        };
        let credentials = format!(
            "[base]\naws_access_key_id = {DOC_KEY_ID}\naws_secret_access_key = {DOC_SECRET}\n"
        );
        let config = DOC_CONFIG;
        let keys = format!(
            r#"{{"jsonData":{{"authType":"keys","defaultRegion":"eu-west-1"}},"secureJsonData":{{"accessKey":"{DOC_KEY_ID}","secretKey":"{DOC_SECRET}"}}}}"#
        );
        for dir in ["home/grafana/.aws", "usr/share/grafana/.aws"] {
            world.write(&format!("{dir}/credentials"), &credentials);
            world.write(&format!("{dir}/config"), config);
        }
        world.write("work/datasource.json", &keys);
        world.write(
            "work/keys-left-blank.json",
            r#"{"jsonData":{"authType":"keys"},"secureJsonData":{"accessKey":"","secretKey":""}}"#,
        );
        world.write("etc/awsauth/cloudwatch.json", &keys);
        world.write(
            "work/app.py",
            "import os\nprint('app sees', os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'][:17])\n",
        );
        // A stand-in for the AWS CLI: it asks the endpoint `exec` gave it, as the CLI would.
        world.write(
            "bin/aws",
            "#!/bin/sh\ncurl -sf -H \"Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN\" \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\" >/dev/null \\\n  || python3 -c 'import os,urllib.request as u; u.urlopen(u.Request(os.environ[\"AWS_CONTAINER_CREDENTIALS_FULL_URI\"], headers={\"Authorization\": os.environ[\"AWS_CONTAINER_AUTHORIZATION_TOKEN\"]}))'\n",
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                world.root.join("bin/aws"),
                std::fs::Permissions::from_mode(0o755),
            )
            .unwrap();
        }
        world
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }

    /// A variant named by `<!-- doctest: world=NAME -->`; each is a change to the files or
    /// the environment, undone by [`reset`](Self::reset). Add a variant here for a new page.
    fn variant(&self, name: &str) -> Vec<(String, String)> {
        match name {
            // The credentials file writable by its group.
            "group-writable-credentials" => {
                self.chmod("home/grafana/.aws/credentials", 0o664);
                self.chmod("usr/share/grafana/.aws/credentials", 0o664);
                Vec::new()
            }
            // Temporary credentials in the environment, as on a developer's laptop.
            "session-keys" => vec![
                ("AWS_ACCESS_KEY_ID".into(), "ASIAIOSFODNN7EXAMPLE".into()),
                ("AWS_SECRET_ACCESS_KEY".into(), DOC_SECRET.into()),
                ("AWS_SESSION_TOKEN".into(), DOC_TOKEN.into()),
            ],
            // An EKS pod with IRSA whose token is where EKS mounts it.
            "eks" => {
                self.write(
                    "var/run/secrets/eks.amazonaws.com/serviceaccount/token",
                    "eyJ.doc-example-token.sig",
                );
                self.eks_env()
            }
            // The same pod, with the token volume not mounted.
            "eks-no-token" => self.eks_env(),
            // docs/sso.md: an `[sso-session corp]`, a profile `dev` using it, and the token
            // cache `aws sso login --sso-session corp` leaves.
            "sso" => {
                self.write(
                    "home/grafana/.aws/config",
                    &format!("{DOC_CONFIG}{SSO_CONFIG}"),
                );
                let expires = awsauth::timefmt::rfc3339(
                    std::time::SystemTime::now() + Duration::from_secs(3600),
                );
                self.write(
                    &format!(
                        "home/grafana/.aws/sso/cache/{}",
                        awsauth::sso::cache_file_name("corp")
                    ),
                    &format!(
                        r#"{{"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1", "accessToken": "{SSO_TOKEN}", "expiresAt": "{expires}"}}"#
                    ),
                );
                vec![
                    ("AWS_ENDPOINT_URL_SSO".into(), self.sso.endpoint()),
                    ("AWS_ENDPOINT_URL_SSO_OIDC".into(), self.sso.endpoint()),
                ]
            }
            other => panic!("no doctest world variant {other:?}; add it to World::variant"),
        }
    }

    fn eks_env(&self) -> Vec<(String, String)> {
        vec![
            (
                "AWS_ROLE_ARN".into(),
                "arn:aws:iam::123456789012:role/grafana".into(),
            ),
            (
                "AWS_WEB_IDENTITY_TOKEN_FILE".into(),
                "/var/run/secrets/eks.amazonaws.com/serviceaccount/token".into(),
            ),
        ]
    }

    fn reset(&self) {
        self.write("home/grafana/.aws/config", DOC_CONFIG);
        let _ = std::fs::remove_dir_all(self.root.join("home/grafana/.aws/sso"));
        self.chmod("home/grafana/.aws/credentials", 0o600);
        self.chmod("usr/share/grafana/.aws/credentials", 0o600);
        let _ = std::fs::remove_file(
            self.root
                .join("var/run/secrets/eks.amazonaws.com/serviceaccount/token"),
        );
    }

    fn chmod(&self, relative: &str, mode: u32) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                self.root.join(relative),
                std::fs::Permissions::from_mode(mode),
            )
            .unwrap();
        }
        #[cfg(not(unix))]
        let _ = (relative, mode);
    }

    fn to_here(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (shown, here) in &self.paths {
            text = text.replace(shown.as_str(), here);
        }
        text
    }

    fn to_page(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (shown, here) in self.paths.iter().rev() {
            text = text.replace(here.as_str(), shown);
        }
        text.replace(&self.root.join("work").display().to_string(), ".")
    }

    /// Runs one example; `Err` says what differs.
    fn run(&self, example: &Example) -> Result<(), String> {
        let (mut env, args) = invocation(&example.shell);
        let args: Vec<String> = args.iter().map(|a| self.to_here(a)).collect();
        let mut command = Command::new(env!("CARGO_BIN_EXE_awsauth"));
        let offline_explain =
            args.first().is_some_and(|a| a == "explain") && !args.iter().any(|a| a == "--run");
        command
            .args(&args)
            .current_dir(self.root.join("work"))
            .env_clear()
            .env("HOME", self.root.join("home/grafana"))
            .env(
                "PATH",
                format!(
                    "{}:/usr/local/bin:/usr/bin:/bin",
                    self.root.join("bin").display()
                ),
            )
            .stdin(Stdio::null());
        if !offline_explain {
            command
                .env(
                    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                    self.fakes.imds.endpoint(),
                )
                .env("AWS_ENDPOINT_URL_STS", self.fakes.sts.endpoint());
        }
        if let Some(world) = &example.world {
            env.extend(self.variant(world));
        }
        for (k, v) in &env {
            // `…` in a page stands for a value the reader fills in: the world's.
            let v = match (k.as_str(), v.as_str()) {
                ("AWS_ACCESS_KEY_ID", "…") => DOC_KEY_ID.to_owned(),
                ("AWS_SECRET_ACCESS_KEY", "…") => DOC_SECRET.to_owned(),
                (_, v) => self.to_here(v),
            };
            command.env(k, v);
        }
        let serving = args.first().is_some_and(|a| a == "serve");
        let output = if serving {
            run_briefly(command)
        } else {
            command.output().map_err(|e| e.to_string()).map(|o| {
                (
                    o.status.code().unwrap_or(-1),
                    String::from_utf8_lossy(&o.stdout).into_owned(),
                    String::from_utf8_lossy(&o.stderr).into_owned(),
                )
            })
        };
        self.reset();
        let (code, stdout, stderr) = output?;
        let want = example.exit.unwrap_or(0);
        if code != want && !(serving && code == -1) {
            return Err(format!(
                "exit {code}, the page expects {want}\nstdout: {stdout}\nstderr: {stderr}"
            ));
        }
        let Some(expected) = &example.expected else {
            return Ok(());
        };
        let shown = self.to_page(&format!("{stdout}{stderr}"));
        let (_, comment) = strip_comment(&example.shell);
        if comment.contains("pretty-printed") {
            let page: serde_json::Value = serde_json::from_str(&expected.join("\n"))
                .map_err(|e| format!("the page's JSON: {e}"))?;
            let actual: serde_json::Value = serde_json::from_str(&self.to_page(&stdout))
                .map_err(|e| format!("{e}: {stdout}"))?;
            return if page == actual {
                Ok(())
            } else {
                Err(format!(
                    "printed\n{}",
                    serde_json::to_string_pretty(&actual).unwrap_or_default()
                ))
            };
        }
        matches(expected, &shown)
    }
}

/// `serve` runs until stopped: its announcement is what the page can show.
fn run_briefly(mut command: Command) -> Result<(i32, String, String), String> {
    use std::io::BufRead;
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut text = String::new();
    // The announcement: one JSON line, or two `export` lines.
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        text.push_str(&line);
        if !line.starts_with("export AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(50));
    let code = match child.try_wait() {
        Ok(Some(status)) => status.code().unwrap_or(-1),
        _ => {
            let _ = child.kill();
            let _ = child.wait();
            -1
        }
    };
    Ok((code, text, String::new()))
}

/// `expected` (with `[..]` and `...` wildcards) against `actual`, line by line.
fn matches(expected: &[String], actual: &str) -> Result<(), String> {
    let want: Vec<&str> = expected.iter().map(|l| l.trim_end()).collect();
    let want: Vec<&str> = trim_blank_ends(&want);
    let got: Vec<&str> = actual.lines().map(str::trim_end).collect();
    let got = trim_blank_ends(&got);
    if lines_match(&want, &got) {
        Ok(())
    } else {
        Err(format!("printed:\n{}", got.join("\n")))
    }
}

fn trim_blank_ends<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let start = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(start, |e| e + 1);
    lines[start..end].to_vec()
}

fn lines_match(want: &[&str], got: &[&str]) -> bool {
    match want.split_first() {
        None => got.is_empty(),
        Some((&"...", rest)) => (0..=got.len()).any(|skip| lines_match(rest, &got[skip..])),
        Some((line, rest)) => got
            .split_first()
            .is_some_and(|(g, grest)| line_matches(line, g) && lines_match(rest, grest)),
    }
}

fn line_matches(want: &str, got: &str) -> bool {
    let parts: Vec<&str> = want.split("[..]").collect();
    if parts.len() == 1 {
        return want == got;
    }
    let mut rest = got;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else {
                return false;
            };
            rest = &rest[at + part.len()..];
        }
    }
    true
}

#[test]
fn the_runner_reads_transcripts_commands_and_directives() {
    let page = "text\n<!-- doctest: world=eks exit=5 -->\n```text\n$ FOO=1 awsauth resolve \\\n  --profile x   # pretty-printed\n{\n}\n$ echo hi\nhi\n```\n```sh\nsudo -u grafana env HOME=/h awsauth profiles | head\nls\n```\n```ini\ncredential_process = /usr/local/bin/awsauth resolve --format process\n```\n";
    let found = examples(Path::new("p.md"), page);
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(
        found[0].shell,
        "FOO=1 awsauth resolve --profile x   # pretty-printed"
    );
    assert_eq!(found[0].expected.as_ref().unwrap(), &["{", "}"]);
    assert_eq!(
        (found[0].world.as_deref(), found[0].exit),
        (Some("eks"), Some(5))
    );
    assert_eq!(found[1].expected, None);
    assert_eq!(found[1].world, None);
    assert_eq!(
        invocation(&found[1].shell),
        (
            vec![("HOME".to_owned(), "/h".to_owned())],
            vec!["profiles".to_owned()]
        )
    );
    assert_eq!(
        invocation("eval \"$(awsauth resolve --format env --show-secrets)\"").1,
        ["resolve", "--format", "env", "--show-secrets"]
    );
    assert_eq!(
        invocation(&found[2].shell).1,
        ["resolve", "--format", "process"]
    );
    assert!(line_matches(
        "expires [..]Z (in [..])",
        "expires 2026-01-01T00:00:00Z (in 1h)"
    ));
    assert!(!line_matches("a [..] c", "a b d"));
    assert!(lines_match(&["a", "...", "z"], &["a", "b", "c", "z"]));
    assert!(!lines_match(&["a", "z"], &["a", "b", "z"]));
}

/// Every example of every page, in one world (fresh per page).
#[test]
fn every_awsauth_example_in_the_docs_runs_as_shown() {
    let mut failures = Vec::new();
    let mut count = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let found = examples(&page, &text);
        if found.is_empty() {
            continue;
        }
        let world = World::new();
        for example in found {
            count += 1;
            if let Err(why) = world.run(&example) {
                failures.push(format!(
                    "{}:{}: {}\n{why}\n",
                    example.file, example.line, example.shell
                ));
            }
        }
    }
    assert!(count >= 30, "only {count} examples found");
    assert!(
        failures.is_empty(),
        "{} of {count} examples differ:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}
