//! Commit signatures, verified in-process against the keys in `people.yaml` (DESIGN §8).
//!
//! Git writes two kinds we can check: SSH signatures (`sshsig`, namespace `git`) and OpenPGP
//! detached signatures. Nothing here runs `gpg`, `ssh-keygen` or `git`: a reviewer's machine
//! and CI must reach the same verdict whatever is installed or configured there.

use std::collections::HashMap;
use std::path::{Component, Path};

use pgp::composed::{Deserializable, DetachedSignature, SignedPublicKey};
use pgp::types::{KeyDetails, KeyId};
use serde::Serialize;
use ssh_key::{Algorithm, HashAlg, PublicKey, SshSig};

/// The namespace git signs commits in; a signature made for another purpose (a file, an
/// email) must not count as a commit signature, even over the same bytes.
const SSH_NAMESPACE: &str = "git";

/// Real signatures are a few KB at most (RSA-16384 armors to under 6 KB); anything larger is
/// hostile or broken and is not worth parsing.
const MAX_SIGNATURE_BYTES: usize = 64 * 1024;

const SSH_ARMOR: &str = "-----BEGIN SSH SIGNATURE-----";
const OPENPGP_ARMOR: &str = "-----BEGIN PGP SIGNATURE-----";
const OPENPGP_KEY_ARMOR: &str = "-----BEGIN PGP PUBLIC KEY BLOCK-----";

/// What kind of signature a commit carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SignatureKind {
    Ssh,
    Openpgp,
}

/// The verdict on a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SignatureStatus {
    /// Cryptographically valid, by a key that is someone's in the keyring.
    Good,
    /// By a key in the keyring, but it does not verify (tampered, wrong namespace, malformed).
    Bad,
    /// By a key that is nobody's in the keyring, or a signature that cannot be checked.
    UnknownKey,
    /// The commit is not signed.
    None,
}

impl SignatureStatus {
    /// The verdict as data: `good`, `bad`, `unknown_key`, `none` (as JSON shows it).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SignatureStatus::Good => "good",
            SignatureStatus::Bad => "bad",
            SignatureStatus::UnknownKey => "unknown_key",
            SignatureStatus::None => "none",
        }
    }
}

/// The verdict on one commit's signature, as `log --format json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Signature {
    pub(crate) status: SignatureStatus,
    /// `None` when unsigned or when the signature is of a kind we cannot read (x509, garbage).
    pub(crate) kind: Option<SignatureKind>,
    /// The key that made it: `SHA256:…` for SSH, the uppercase hex fingerprint for OpenPGP
    /// (of the primary key or the subkey that signed; the 16-digit key id when the signature
    /// names no fingerprint and the key is unknown).
    pub(crate) key: Option<String>,
    /// The person the key belongs to; set whenever the key is in the keyring.
    pub(crate) person: Option<String>,
}

impl Signature {
    /// The verdict on an unsigned commit.
    pub(crate) fn unsigned() -> Signature {
        Signature {
            status: SignatureStatus::None,
            kind: None,
            key: None,
            person: None,
        }
    }

    fn unknown(kind: Option<SignatureKind>, key: Option<String>) -> Signature {
        Signature {
            status: SignatureStatus::UnknownKey,
            kind,
            key,
            person: None,
        }
    }

    fn known(status: SignatureStatus, kind: SignatureKind, key: &str, person: &str) -> Signature {
        Signature {
            status,
            kind: Some(kind),
            key: Some(key.to_owned()),
            person: Some(person.to_owned()),
        }
    }
}

/// The public keys that sign people's commits, from `people.yaml` `keys:` entries.
#[derive(Debug, Default)]
pub(crate) struct Keyring {
    /// By `SHA256:…` fingerprint, which is also what the signature names.
    ssh: HashMap<String, SshKey>,
    openpgp: Vec<OpenPgpKey>,
    /// A digest of every key text added, with its person, in the order added: what the
    /// verdicts depend on, for a cache of them (see [`Keyring::digest`]).
    added: crate::digest::Labelled,
}

#[derive(Debug)]
struct SshKey {
    key: PublicKey,
    person: String,
}

/// One key able to make signatures: a primary key, or a subkey bound to it for signing.
#[derive(Debug)]
struct OpenPgpKey {
    person: String,
    fingerprint: Vec<u8>,
    hex: String,
    key_id: KeyId,
    key: OpenPgpVerifier,
}

#[derive(Debug)]
enum OpenPgpVerifier {
    Primary(pgp::packet::PublicKey),
    Subkey(pgp::packet::PublicSubkey),
}

/// A key read from an entry, not yet in the keyring.
enum NewKey {
    Ssh(PublicKey),
    OpenPgp(OpenPgpVerifier),
}

impl Keyring {
    /// A digest of every key added, as read (the text of an entry, or of the file it names),
    /// with whose it is.
    pub(crate) fn digest(&self) -> [u8; 32] {
        self.added.finish()
    }

    /// Adds one `keys:` entry of `person`: an SSH public key line, an ASCII-armored OpenPGP
    /// public key block (possibly several keys with subkeys), or the path, relative to `root`,
    /// of a file holding either. The error says what is wrong and what to do; on error the
    /// keyring is unchanged.
    pub(crate) fn add(&mut self, person: &str, entry: &str, root: &Path) -> Result<(), String> {
        let text = entry.trim();
        if text.is_empty() {
            return Err(
                "an empty key entry: give an SSH public key line, an armored OpenPGP \
                        public key, or the path of a file holding one"
                    .to_owned(),
            );
        }
        let mut source = None;
        let keys = match parse_keys(text)? {
            Some(keys) => keys,
            None if text.contains('\n') => {
                return Err(format!(
                    "not an SSH public key line nor an armored OpenPGP public key: `{}`; give a \
                     line like `ssh-ed25519 AAAA… name` (the `.pub` file) or the output of \
                     `gpg --armor --export KEYID`",
                    excerpt(text)
                ));
            }
            None => {
                let content = source.insert(read_key_file(text, root)?);
                parse_keys(content.trim())?.ok_or_else(|| {
                    format!(
                        "key file `{text}` holds neither an SSH public key line nor an armored \
                         OpenPGP public key; point at a `.pub` file or at the output of \
                         `gpg --armor --export KEYID`"
                    )
                })?
            }
        };
        for (fingerprint, _) in &keys {
            self.claim(person, fingerprint)?;
        }
        self.added.text(person, source.as_deref().unwrap_or(text));
        for (fingerprint, key) in keys {
            let person = person.to_owned();
            match key {
                NewKey::Ssh(key) => {
                    self.ssh.insert(fingerprint, SshKey { key, person });
                }
                NewKey::OpenPgp(key) if !self.openpgp.iter().any(|k| k.hex == fingerprint) => {
                    let (bytes, key_id) = match &key {
                        OpenPgpVerifier::Primary(k) => (k.fingerprint(), k.legacy_key_id()),
                        OpenPgpVerifier::Subkey(k) => (k.fingerprint(), k.legacy_key_id()),
                    };
                    self.openpgp.push(OpenPgpKey {
                        person,
                        fingerprint: bytes.as_bytes().to_vec(),
                        hex: fingerprint,
                        key_id,
                        key,
                    });
                }
                NewKey::OpenPgp(_) => {}
            }
        }
        Ok(())
    }

    /// A key signs for one person only, or a signature could not say whose it is.
    fn claim(&self, person: &str, fingerprint: &str) -> Result<(), String> {
        let owner = match self.ssh.get(fingerprint) {
            Some(key) => Some(&key.person),
            None => self
                .openpgp
                .iter()
                .find(|k| k.hex == fingerprint)
                .map(|k| &k.person),
        };
        match owner {
            Some(owner) if owner != person => Err(format!(
                "key {fingerprint} is already listed for `{owner}`; a key signs for one person \
                 only, so remove it from one of them"
            )),
            _ => Ok(()),
        }
    }
}

/// The keys in `text` with their fingerprints; `Ok(None)` when it does not look like a key
/// at all (so it may be a path).
fn parse_keys(text: &str) -> Result<Option<Vec<(String, NewKey)>>, String> {
    if text.contains("-----BEGIN") && text.contains("PRIVATE KEY") {
        // Never echo the text back: it is a secret that should not be in the repository.
        return Err(
            "this is a private key: list the public key instead (the `.pub` file, or \
                    `gpg --armor --export KEYID`), and remove the private key from the repository"
                .to_owned(),
        );
    }
    if text.contains(OPENPGP_KEY_ARMOR) {
        return parse_openpgp(text).map(Some);
    }
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .peekable();
    if !lines.peek().is_some_and(|line| looks_like_ssh(line)) {
        return Ok(None);
    }
    lines.map(parse_ssh).collect::<Result<_, _>>().map(Some)
}

fn parse_ssh(line: &str) -> Result<(String, NewKey), String> {
    let key = PublicKey::from_openssh(line).map_err(|e| {
        format!(
            "not a valid SSH public key line ({e}): `{}`; copy the whole line of the `.pub` \
             file: `ALGORITHM BASE64 [comment]`",
            excerpt(line)
        )
    })?;
    match key.algorithm() {
        Algorithm::Ed25519
        | Algorithm::Ecdsa { .. }
        | Algorithm::Rsa { .. }
        | Algorithm::SkEd25519
        | Algorithm::SkEcdsaSha2NistP256 => {}
        other => {
            return Err(format!(
                "SSH keys of type {other} cannot be verified; sign commits with an ed25519, \
                 ecdsa or rsa key"
            ));
        }
    }
    if let Some(rsa) = key.key_data().rsa() {
        // The RSA verifier refuses moduli outside this range: a signature by such a key would
        // otherwise look forged rather than uncheckable.
        let bits = rsa.n.as_positive_bytes().map_or(0, |n| {
            n.len() * 8 - n.first().map_or(0, |top| top.leading_zeros() as usize)
        });
        if !(2048..=4096).contains(&bits) {
            return Err(format!(
                "this {bits}-bit RSA key cannot be verified: SSH RSA keys must have 2048 to \
                 4096 bits; sign commits with an ed25519 key instead"
            ));
        }
    }
    let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
    Ok((fingerprint, NewKey::Ssh(key)))
}

fn parse_openpgp(text: &str) -> Result<Vec<(String, NewKey)>, String> {
    let unreadable = |e: &dyn std::fmt::Display| {
        format!(
            "not a readable armored OpenPGP public key ({e}); export it again with \
             `gpg --armor --export KEYID` and paste the whole block"
        )
    };
    let mut found = Vec::new();
    // Concatenated exports are several armor blocks; the parser reads only the first.
    for block in text.split(OPENPGP_KEY_ARMOR).skip(1) {
        let block = format!("{OPENPGP_KEY_ARMOR}{block}");
        let (keys, _headers) =
            SignedPublicKey::from_string_many(&block).map_err(|e| unreadable(&e))?;
        for key in keys {
            let key = key.map_err(|e| unreadable(&e))?;
            let primary = &key.primary_key;
            found.push((
                format!("{:X}", primary.fingerprint()),
                NewKey::OpenPgp(OpenPgpVerifier::Primary(primary.clone())),
            ));
            for subkey in &key.public_subkeys {
                // Only a subkey the owner bound for signing (with its back-signature) speaks
                // for them; anyone can append an unbound subkey to a published key.
                let signing = subkey.signatures.iter().any(|sig| sig.key_flags().sign());
                let revoked = subkey
                    .signatures
                    .iter()
                    .any(|sig| sig.typ() == Some(pgp::packet::SignatureType::SubkeyRevocation));
                if signing && !revoked && subkey.verify_bindings(primary).is_ok() {
                    found.push((
                        format!("{:X}", subkey.key.fingerprint()),
                        NewKey::OpenPgp(OpenPgpVerifier::Subkey(subkey.key.clone())),
                    ));
                }
            }
        }
    }
    if found.is_empty() {
        return Err(unreadable(&"the block holds no public key"));
    }
    Ok(found)
}

/// `ALGORITHM BASE64 …`; a lone word, or one with a `/`, is a path (`ssh-keys/alice.pub`).
fn looks_like_ssh(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let algorithm = words.next().unwrap_or_default();
    words.next().is_some()
        && !algorithm.contains('/')
        && ["ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-"]
            .iter()
            .any(|prefix| algorithm.starts_with(prefix))
}

/// Reads a key file named relative to `root`, refusing anything that resolves outside it:
/// `people.yaml` is edited in pull requests and must not be able to read the reviewer's files.
fn read_key_file(name: &str, root: &Path) -> Result<String, String> {
    let relative = Path::new(name);
    let inside = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if relative.is_absolute() || !inside {
        return Err(format!(
            "key path `{name}` must be relative to the repository root and stay inside it \
             (no `..`, no absolute path)"
        ));
    }
    let root = root
        .canonicalize()
        .map_err(|e| format!("cannot resolve the repository root {}: {e}", root.display()))?;
    let full = root.join(relative).canonicalize().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "`{}` is not an SSH public key line nor an armored OpenPGP public key, and no \
                 file of that name exists under the repository root; give the key itself or \
                 the path of its file",
                excerpt(name)
            )
        } else {
            format!("cannot read key file `{name}`: {e}")
        }
    })?;
    if !full.starts_with(&root) {
        return Err(format!(
            "key file `{name}` resolves outside the repository (through a symbolic link); \
             keep key files inside it"
        ));
    }
    if !full.is_file() {
        return Err(format!(
            "key path `{name}` is not a file; name the key file itself"
        ));
    }
    let bytes = crate::read::read_limited(&full)
        .map_err(|e| format!("cannot read key file `{name}`: {e}"))?;
    String::from_utf8(bytes).map_err(|_| format!("key file `{name}` is not UTF-8 text"))
}

/// The start of an entry, to quote in an error without dumping a whole key block.
fn excerpt(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let short: String = line.chars().take(48).collect();
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}

/// Verifies a commit's signature: `signature` is the `gpgsig` header value and `signed` the
/// commit object without it, as [`git2::Repository::extract_signature`] returns them.
pub(crate) fn verify(keyring: &Keyring, signature: &[u8], signed: &[u8]) -> Signature {
    let start = signature.trim_ascii_start();
    let kind = if start.starts_with(SSH_ARMOR.as_bytes()) {
        SignatureKind::Ssh
    } else if start.starts_with(OPENPGP_ARMOR.as_bytes()) {
        SignatureKind::Openpgp
    } else {
        // x509 (gpgsm) signatures, or anything else: nothing we can check.
        return Signature::unknown(None, None);
    };
    if signature.len() > MAX_SIGNATURE_BYTES {
        return Signature::unknown(Some(kind), None);
    }
    match kind {
        SignatureKind::Ssh => verify_ssh(keyring, signature, signed),
        SignatureKind::Openpgp => verify_openpgp(keyring, signature, signed),
    }
}

fn verify_ssh(keyring: &Keyring, signature: &[u8], signed: &[u8]) -> Signature {
    let sig = match SshSig::from_pem(signature) {
        Ok(sig) => sig,
        // A signature too broken to parse may still name its key: if that key is someone's,
        // the signature is theirs and bad, not merely unknown.
        Err(_) => {
            return match sshsig_key(signature) {
                Some(fingerprint) => match keyring.ssh.get(&fingerprint) {
                    Some(key) => Signature::known(
                        SignatureStatus::Bad,
                        SignatureKind::Ssh,
                        &fingerprint,
                        &key.person,
                    ),
                    None => Signature::unknown(Some(SignatureKind::Ssh), Some(fingerprint)),
                },
                None => Signature::unknown(Some(SignatureKind::Ssh), None),
            };
        }
    };
    let fingerprint = sig.public_key().fingerprint(HashAlg::Sha256).to_string();
    let Some(key) = keyring.ssh.get(&fingerprint) else {
        return Signature::unknown(Some(SignatureKind::Ssh), Some(fingerprint));
    };
    // `PublicKey::verify` also insists on the namespace and on the exact key.
    let status = match key.key.verify(SSH_NAMESPACE, signed, &sig) {
        Ok(()) => SignatureStatus::Good,
        Err(_) => SignatureStatus::Bad,
    };
    Signature::known(status, SignatureKind::Ssh, &fingerprint, &key.person)
}

/// The `SHA256:…` fingerprint of the key an `sshsig` blob names, read only as far as that key.
fn sshsig_key(signature: &[u8]) -> Option<String> {
    use ssh_encoding::{Decode, Reader};
    let text = std::str::from_utf8(signature).ok()?;
    // Undo any re-wrapping: the PEM decoder wants its lines exactly 70 wide.
    let body: String = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let rewrapped = body
        .as_bytes()
        .chunks(70)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join("\n");
    let pem = format!("{SSH_ARMOR}\n{rewrapped}\n-----END SSH SIGNATURE-----\n");
    let mut reader = ssh_encoding::pem::Decoder::new_wrapped(pem.as_bytes(), 70).ok()?;
    let mut magic = [0u8; 6];
    reader.read(&mut magic).ok()?;
    if &magic != b"SSHSIG" {
        return None;
    }
    let _version = u32::decode(&mut reader).ok()?;
    let key = reader
        .read_prefixed(ssh_key::public::KeyData::decode)
        .ok()?;
    Some(key.fingerprint(HashAlg::Sha256).to_string())
}

fn verify_openpgp(keyring: &Keyring, signature: &[u8], signed: &[u8]) -> Signature {
    let Ok(text) = std::str::from_utf8(signature) else {
        return Signature::unknown(Some(SignatureKind::Openpgp), None);
    };
    let Ok((sigs, _headers)) = DetachedSignature::from_string_many(text) else {
        return Signature::unknown(Some(SignatureKind::Openpgp), None);
    };
    // Git writes one signature; should there be several, the best verdict stands.
    sigs.filter_map(Result::ok)
        .map(|sig| verify_openpgp_one(keyring, &sig.signature, signed))
        .min_by_key(|verdict| match verdict.status {
            SignatureStatus::Good => 0,
            SignatureStatus::Bad => 1,
            SignatureStatus::UnknownKey | SignatureStatus::None => 2,
        })
        .unwrap_or_else(|| Signature::unknown(Some(SignatureKind::Openpgp), None))
}

fn verify_openpgp_one(keyring: &Keyring, sig: &pgp::packet::Signature, signed: &[u8]) -> Signature {
    use pgp::packet::SignatureType;
    let fingerprints = sig.issuer_fingerprint();
    let key_ids = sig.issuer_key_id();
    // Match by fingerprint when the signature names one: a 64-bit key id is easy to collide,
    // and a forged id must not pin a bad verdict on someone else's key.
    let candidates: Vec<&OpenPgpKey> = if fingerprints.is_empty() {
        keyring
            .openpgp
            .iter()
            .filter(|k| key_ids.iter().any(|id| **id == k.key_id))
            .collect()
    } else {
        keyring
            .openpgp
            .iter()
            .filter(|k| fingerprints.iter().any(|fp| fp.as_bytes() == k.fingerprint))
            .collect()
    };
    let Some(first) = candidates.first() else {
        let named = fingerprints
            .first()
            .map(|fp| format!("{fp:X}"))
            .or_else(|| key_ids.first().map(|id| id.to_string().to_uppercase()));
        return Signature::unknown(Some(SignatureKind::Openpgp), named);
    };
    // A data signature is binary or text; any other type is a signature over something else.
    if !matches!(sig.typ(), Some(SignatureType::Binary | SignatureType::Text)) {
        return Signature::known(
            SignatureStatus::Bad,
            SignatureKind::Openpgp,
            &first.hex,
            &first.person,
        );
    }
    let mut failed = None;
    for key in &candidates {
        let result = match &key.key {
            OpenPgpVerifier::Primary(k) => sig.verify(k, signed),
            OpenPgpVerifier::Subkey(k) => sig.verify(k, signed),
        };
        match result {
            Ok(()) => {
                return Signature::known(
                    SignatureStatus::Good,
                    SignatureKind::Openpgp,
                    &key.hex,
                    &key.person,
                );
            }
            // An algorithm rPGP cannot check: unchecked, not forged.
            Err(pgp::errors::Error::Unsupported { .. }) => {}
            Err(_) => failed = failed.or(Some(key)),
        }
    }
    match failed {
        Some(key) => Signature::known(
            SignatureStatus::Bad,
            SignatureKind::Openpgp,
            &key.hex,
            &key.person,
        ),
        None => Signature::known(
            SignatureStatus::UnknownKey,
            SignatureKind::Openpgp,
            &first.hex,
            &first.person,
        ),
    }
}

/// Extracts and verifies the signature of commit `id`: [`SignatureStatus::None`] when it is unsigned,
/// [`SignatureStatus::UnknownKey`] when the commit cannot be read.
pub(crate) fn of_commit(git: &git2::Repository, id: git2::Oid, keyring: &Keyring) -> Signature {
    match git.extract_signature(&id, None) {
        Ok((signature, signed)) => verify(keyring, &signature, &signed),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Signature::unsigned(),
        Err(_) => Signature::unknown(None, None),
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::PathBuf;
    use std::process::Command;

    use super::*;

    #[test]
    fn verdict_names_are_the_json_ones() {
        for status in [
            SignatureStatus::Good,
            SignatureStatus::Bad,
            SignatureStatus::UnknownKey,
            SignatureStatus::None,
        ] {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }

    /// Whether no key has been added to `keyring`.
    fn no_keys(keyring: &Keyring) -> bool {
        keyring.ssh.is_empty() && keyring.openpgp.is_empty()
    }

    /// A temp git repository with keys made by the real tools, and commits signed with them.
    struct Fixture {
        dir: tempfile::TempDir,
        gnupg: Option<PathBuf>,
        commits: usize,
    }

    enum Sign<'a> {
        No,
        Ssh(&'a Path),
        OpenPgp(&'a str),
    }

    fn run(command: &mut Command) -> String {
        let out = command.output().expect("the tool runs");
        assert!(
            out.status.success(),
            "{command:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    impl Fixture {
        fn new() -> Fixture {
            let dir = tempfile::tempdir().expect("temp dir");
            let fixture = Fixture {
                dir,
                gnupg: None,
                commits: 0,
            };
            run(fixture.git().args(["init", "-q", "."]));
            fixture
        }

        fn root(&self) -> &Path {
            self.dir.path()
        }

        fn command(&self, program: &str) -> Command {
            let mut command = Command::new(program);
            command
                .current_dir(self.root())
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", self.root());
            if let Some(gnupg) = &self.gnupg {
                command.env("GNUPGHOME", gnupg);
            }
            command
        }

        fn git(&self) -> Command {
            let mut git = self.command("git");
            git.args([
                "-c",
                "user.name=Alice",
                "-c",
                "user.email=alice@example.com",
            ]);
            git
        }

        /// Generates an SSH key pair; returns the path of the public key.
        fn ssh_key(&self, name: &str, args: &[&str]) -> PathBuf {
            let path = self.root().join(".keys").join(name);
            fs::create_dir_all(self.root().join(".keys")).expect("key dir");
            run(self
                .command("ssh-keygen")
                .args(["-q", "-N", "", "-C", name, "-f"])
                .arg(&path)
                .args(args));
            path.with_extension("pub")
        }

        /// Generates an OpenPGP key; returns its fingerprint and armored public key.
        fn openpgp_key(&mut self, uid: &str) -> (String, String) {
            let gnupg = self.root().join(".gnupg");
            if self.gnupg.is_none() {
                fs::create_dir_all(&gnupg).expect("GNUPGHOME");
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    fs::set_permissions(&gnupg, fs::Permissions::from_mode(0o700)).expect("chmod");
                }
                self.gnupg = Some(gnupg);
            }
            run(self.command("gpg").args([
                "--batch",
                "--passphrase",
                "",
                "--quick-gen-key",
                uid,
                "ed25519",
                "sign",
            ]));
            let fingerprint = self.openpgp_fingerprints(uid)[0].clone();
            let armored = run(self.command("gpg").args(["--armor", "--export", uid]));
            (fingerprint, armored)
        }

        /// Fingerprints of a key and its subkeys, primary first.
        fn openpgp_fingerprints(&self, uid: &str) -> Vec<String> {
            run(self
                .command("gpg")
                .args(["--batch", "--with-colons", "--list-keys", uid]))
            .lines()
            .filter_map(|line| line.strip_prefix("fpr:"))
            .map(|rest| rest.trim_matches(':').to_owned())
            .collect()
        }

        fn commit(&mut self, sign: Sign) -> git2::Oid {
            self.commits += 1;
            let file = format!("plan-{}.md", self.commits);
            fs::write(self.root().join(&file), "status: draft\n").expect("write");
            run(self.git().args(["add", &file]));
            let mut git = self.git();
            match sign {
                Sign::No => {}
                Sign::Ssh(public) => {
                    git.args(["-c", "gpg.format=ssh", "-c"])
                        .arg(format!("user.signingkey={}", public.display()));
                }
                Sign::OpenPgp(key) => {
                    git.args(["-c", "gpg.program=gpg", "-c"])
                        .arg(format!("user.signingkey={key}"));
                }
            }
            git.args(["commit", "-q", "-m", &format!("change {}", self.commits)]);
            if !matches!(sign, Sign::No) {
                git.arg("-S");
            }
            run(&mut git);
            self.repo()
                .head()
                .expect("HEAD")
                .target()
                .expect("a commit")
        }

        fn repo(&self) -> git2::Repository {
            git2::Repository::open(self.root()).expect("open")
        }

        fn extract(&self, id: git2::Oid) -> (Vec<u8>, Vec<u8>) {
            let (signature, signed) = self.repo().extract_signature(&id, None).expect("signed");
            (signature.to_vec(), signed.to_vec())
        }

        fn verify(&self, keyring: &Keyring, id: git2::Oid) -> Signature {
            of_commit(&self.repo(), id, keyring)
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            if self.gnupg.is_some() {
                let _ = self
                    .command("gpgconf")
                    .args(["--kill", "gpg-agent"])
                    .output();
            }
        }
    }

    fn ssh_fingerprint(public: &Path) -> String {
        let out = run(Command::new("ssh-keygen").arg("-lf").arg(public));
        out.split_whitespace()
            .nth(1)
            .expect("fingerprint")
            .to_owned()
    }

    fn read(path: &Path) -> String {
        fs::read_to_string(path).expect("key file")
    }

    fn keyring(entries: &[(&str, &str)], root: &Path) -> Keyring {
        let mut keyring = Keyring::default();
        for (person, entry) in entries {
            keyring.add(person, entry, root).expect("a valid key");
        }
        keyring
    }

    fn good(kind: SignatureKind, key: &str, person: &str) -> Signature {
        Signature::known(SignatureStatus::Good, kind, key, person)
    }

    #[test]
    fn a_keyring_can_be_shared_across_threads() {
        // The history walk verifies commits in parallel with one keyring.
        fn shareable<T: Send + Sync>() {}
        shareable::<Keyring>();
        shareable::<Signature>();
    }

    #[test]
    fn good_ssh_signatures_of_every_key_type() {
        let mut fixture = Fixture::new();
        let types: [(&str, &[&str]); 5] = [
            ("ed", &["-t", "ed25519"]),
            ("p256", &["-t", "ecdsa", "-b", "256"]),
            ("p384", &["-t", "ecdsa", "-b", "384"]),
            ("p521", &["-t", "ecdsa", "-b", "521"]),
            ("rsa", &["-t", "rsa", "-b", "3072"]),
        ];
        for (name, args) in types {
            let public = fixture.ssh_key(name, args);
            let keyring = keyring(&[("alice", &read(&public))], fixture.root());
            let id = fixture.commit(Sign::Ssh(&public));
            assert_eq!(
                fixture.verify(&keyring, id),
                good(SignatureKind::Ssh, &ssh_fingerprint(&public), "alice"),
                "{name}"
            );
        }
    }

    #[test]
    fn good_openpgp_signature_by_primary_key_and_by_signing_subkey() {
        let mut fixture = Fixture::new();
        let (primary, _) = fixture.openpgp_key("Alice <alice@example.com>");
        run(fixture
            .command("gpg")
            .args(["--batch", "--passphrase", "", "--quick-add-key", &primary])
            .args(["ed25519", "sign"]));
        let fingerprints = fixture.openpgp_fingerprints("alice@example.com");
        let subkey = fingerprints.last().expect("a subkey").clone();
        assert_ne!(subkey, primary);
        let (second, second_armored) = fixture.openpgp_key("Alice Laptop <alice@laptop.example>");
        let armored = run(fixture
            .command("gpg")
            .args(["--armor", "--export", &primary]));
        // Two exports pasted one after the other into one block scalar.
        let both = format!("{armored}\n{second_armored}");
        let keyring = keyring(&[("alice", &both)], fixture.root());

        let id = fixture.commit(Sign::OpenPgp(&format!("{primary}!")));
        let verdict = fixture.verify(&keyring, id);
        assert_eq!(verdict, good(SignatureKind::Openpgp, &primary, "alice"));
        let json = serde_json::to_value(&verdict).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"status": "good", "kind": "openpgp", "key": primary, "person": "alice"})
        );

        let id = fixture.commit(Sign::OpenPgp(&format!("{subkey}!")));
        assert_eq!(
            fixture.verify(&keyring, id),
            good(SignatureKind::Openpgp, &subkey, "alice")
        );

        let id = fixture.commit(Sign::OpenPgp(&second));
        assert_eq!(
            fixture.verify(&keyring, id),
            good(SignatureKind::Openpgp, &second, "alice")
        );
    }

    #[test]
    fn a_key_nobody_has_is_unknown_and_still_named() {
        let mut fixture = Fixture::new();
        let listed = fixture.ssh_key("listed", &["-t", "ed25519"]);
        let stranger = fixture.ssh_key("stranger", &["-t", "ed25519"]);
        let (openpgp, _) = fixture.openpgp_key("Mallory <mallory@example.com>");
        let keyring = keyring(&[("alice", &read(&listed))], fixture.root());

        let id = fixture.commit(Sign::Ssh(&stranger));
        let verdict = fixture.verify(&keyring, id);
        assert_eq!(verdict.status, SignatureStatus::UnknownKey);
        assert_eq!(verdict.kind, Some(SignatureKind::Ssh));
        assert_eq!(verdict.key, Some(ssh_fingerprint(&stranger)));
        assert_eq!(verdict.person, None);

        let id = fixture.commit(Sign::OpenPgp(&openpgp));
        let verdict = fixture.verify(&keyring, id);
        assert_eq!(
            verdict,
            Signature::unknown(Some(SignatureKind::Openpgp), Some(openpgp.clone()))
        );
        assert_eq!(
            serde_json::to_value(&verdict).expect("json"),
            serde_json::json!({"status": "unknown_key", "kind": "openpgp", "key": openpgp, "person": null})
        );
    }

    #[test]
    fn a_signature_names_the_person_whose_key_it_is() {
        let mut fixture = Fixture::new();
        let alice = fixture.ssh_key("alice", &["-t", "ed25519"]);
        let bob = fixture.ssh_key("bob", &["-t", "ed25519"]);
        let (carol, carol_armored) = fixture.openpgp_key("Carol <carol@example.com>");
        let keyring = keyring(
            &[
                ("alice", &read(&alice)),
                ("bob", &read(&bob)),
                ("carol", &carol_armored),
            ],
            fixture.root(),
        );
        let id = fixture.commit(Sign::Ssh(&bob));
        assert_eq!(
            fixture.verify(&keyring, id),
            good(SignatureKind::Ssh, &ssh_fingerprint(&bob), "bob")
        );
        let id = fixture.commit(Sign::OpenPgp(&carol));
        assert_eq!(
            fixture.verify(&keyring, id),
            good(SignatureKind::Openpgp, &carol, "carol")
        );
    }

    #[test]
    fn tampered_commits_and_other_namespaces_are_bad() {
        let mut fixture = Fixture::new();
        let alice = fixture.ssh_key("alice", &["-t", "ed25519"]);
        let (bob, bob_armored) = fixture.openpgp_key("Bob <bob@example.com>");
        let keyring = keyring(
            &[("alice", &read(&alice)), ("bob", &bob_armored)],
            fixture.root(),
        );
        let tamper = |signed: &[u8]| {
            String::from_utf8_lossy(signed)
                .replace("change", "chance")
                .into_bytes()
        };

        let id = fixture.commit(Sign::Ssh(&alice));
        let (signature, signed) = fixture.extract(id);
        assert_eq!(
            verify(&keyring, &signature, &signed).status,
            SignatureStatus::Good
        );
        assert_eq!(
            verify(&keyring, &signature, &tamper(&signed)),
            Signature::known(
                SignatureStatus::Bad,
                SignatureKind::Ssh,
                &ssh_fingerprint(&alice),
                "alice"
            )
        );

        let id = fixture.commit(Sign::OpenPgp(&bob));
        let (signature, signed) = fixture.extract(id);
        assert_eq!(
            verify(&keyring, &signature, &signed).status,
            SignatureStatus::Good
        );
        assert_eq!(
            verify(&keyring, &signature, &tamper(&signed)),
            Signature::known(SignatureStatus::Bad, SignatureKind::Openpgp, &bob, "bob")
        );

        // The same bytes signed by the same key, but as a file rather than a commit.
        let data = fixture.root().join("data");
        fs::write(&data, &signed).expect("write");
        let private = alice.with_extension("");
        run(fixture
            .command("ssh-keygen")
            .args(["-Y", "sign", "-n", "file", "-f"])
            .arg(&private)
            .arg(&data));
        let file_signature = fs::read(data.with_extension("sig")).expect("signature");
        assert_eq!(
            verify(&keyring, &file_signature, &signed).status,
            SignatureStatus::Bad
        );
    }

    #[test]
    fn a_malformed_signature_by_a_known_key_is_bad() {
        use ssh_encoding::base64::{Base64, Encoding};
        let mut fixture = Fixture::new();
        let alice = fixture.ssh_key("alice", &["-t", "ed25519"]);
        let keyring = keyring(&[("alice", &read(&alice))], fixture.root());
        let id = fixture.commit(Sign::Ssh(&alice));
        let (signature, signed) = fixture.extract(id);
        let body: String = String::from_utf8(signature)
            .expect("armored")
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        let mut blob = Base64::decode_vec(&body).expect("base64");
        blob.truncate(blob.len() - 20);
        let broken = format!(
            "{SSH_ARMOR}\n{}\n-----END SSH SIGNATURE-----\n",
            Base64::encode_string(&blob)
        );
        assert!(SshSig::from_pem(&broken).is_err());
        assert_eq!(
            verify(&keyring, broken.as_bytes(), &signed),
            Signature::known(
                SignatureStatus::Bad,
                SignatureKind::Ssh,
                &ssh_fingerprint(&alice),
                "alice"
            )
        );
        assert_eq!(
            verify(&Keyring::default(), broken.as_bytes(), &signed),
            Signature::unknown(Some(SignatureKind::Ssh), Some(ssh_fingerprint(&alice)))
        );
    }

    #[test]
    fn an_unsigned_commit_is_none() {
        let mut fixture = Fixture::new();
        let id = fixture.commit(Sign::No);
        let verdict = fixture.verify(&Keyring::default(), id);
        assert_eq!(verdict, Signature::unsigned());
        assert_eq!(
            serde_json::to_value(&verdict).expect("json"),
            serde_json::json!({"status": "none", "kind": null, "key": null, "person": null})
        );
    }

    #[test]
    fn keys_given_as_paths_inside_the_repository() {
        let mut fixture = Fixture::new();
        let alice = fixture.ssh_key("alice", &["-t", "ed25519"]);
        let (bob, bob_armored) = fixture.openpgp_key("Bob <bob@example.com>");
        fs::create_dir_all(fixture.root().join("ssh-keys")).expect("mkdir");
        fs::create_dir_all(fixture.root().join("keys")).expect("mkdir");
        fs::copy(&alice, fixture.root().join("ssh-keys/alice.pub")).expect("copy");
        fs::write(fixture.root().join("keys/bob.asc"), &bob_armored).expect("write");

        let mut keyring = Keyring::default();
        assert!(no_keys(&keyring));
        keyring
            .add("alice", "ssh-keys/alice.pub", fixture.root())
            .expect("an SSH key file");
        keyring
            .add("bob", "./keys/bob.asc", fixture.root())
            .expect("an OpenPGP key file");
        assert!(!no_keys(&keyring));

        let id = fixture.commit(Sign::Ssh(&alice));
        assert_eq!(
            fixture.verify(&keyring, id),
            good(SignatureKind::Ssh, &ssh_fingerprint(&alice), "alice")
        );
        let id = fixture.commit(Sign::OpenPgp(&bob));
        assert_eq!(
            fixture.verify(&keyring, id),
            good(SignatureKind::Openpgp, &bob, "bob")
        );
    }

    #[test]
    fn key_paths_leaving_the_repository_are_refused() {
        let outside = tempfile::tempdir().expect("temp dir");
        let fixture = Fixture::new();
        let public = fixture.ssh_key("alice", &["-t", "ed25519"]);
        fs::copy(&public, outside.path().join("alice.pub")).expect("copy");
        let absolute = outside.path().join("alice.pub");
        let mut keyring = Keyring::default();

        for entry in [
            "../alice.pub",
            "keys/../../alice.pub",
            &absolute.display().to_string(),
        ] {
            let error = keyring.add("alice", entry, fixture.root()).unwrap_err();
            assert!(error.contains("stay inside"), "{entry}: {error}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&absolute, fixture.root().join("link.pub")).expect("link");
            let error = keyring
                .add("alice", "link.pub", fixture.root())
                .unwrap_err();
            assert!(error.contains("outside the repository"), "{error}");
        }
        assert!(no_keys(&keyring));
    }

    #[test]
    fn garbage_key_entries_are_refused_with_a_clear_message() {
        let fixture = Fixture::new();
        fs::write(fixture.root().join("notes.txt"), "just some notes\n").expect("write");
        let cases = [
            ("", "empty key entry"),
            ("   \n ", "empty key entry"),
            (
                "hello world",
                "not an SSH public key line nor an armored OpenPGP public key",
            ),
            (
                "two\nlines",
                "not an SSH public key line nor an armored OpenPGP public key",
            ),
            (
                "ssh-ed25519 AAAAnot-base64!! alice",
                "not a valid SSH public key line",
            ),
            ("ssh-ed25519", "no file of that name exists"),
            ("ssh-keys/alice.pub", "no file of that name exists"),
            (
                "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----",
                "not a readable armored OpenPGP public key",
            ),
            (
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----",
                "this is a private key",
            ),
            ("notes.txt", "holds neither an SSH public key line"),
            (".", "not a file"),
        ];
        for (entry, message) in cases {
            let mut keyring = Keyring::default();
            let error = keyring.add("alice", entry, fixture.root()).unwrap_err();
            assert!(error.contains(message), "{entry:?}: {error}");
            assert!(!error.contains("b3Blbn"), "a private key is never echoed");
            assert!(no_keys(&keyring));
        }
    }

    #[test]
    fn an_entry_with_one_bad_key_adds_none_of_its_keys() {
        let fixture = Fixture::new();
        let public = read(&fixture.ssh_key("alice", &["-t", "ed25519"]));
        let entry = format!("{public}\nssh-ed25519 AAAAbroken laptop\n");
        let mut keyring = Keyring::default();
        let error = keyring.add("alice", &entry, fixture.root()).unwrap_err();
        assert!(error.contains("`ssh-ed25519 AAAAbroken laptop`"), "{error}");
        assert!(no_keys(&keyring));
    }

    #[test]
    fn rsa_keys_the_verifier_cannot_check_are_refused() {
        let fixture = Fixture::new();
        for bits in ["1024", "4104"] {
            let public = read(&fixture.ssh_key(bits, &["-t", "rsa", "-b", bits]));
            let error = Keyring::default()
                .add("alice", &public, fixture.root())
                .unwrap_err();
            assert!(
                error.contains(&format!("this {bits}-bit RSA key cannot be verified")),
                "{error}"
            );
        }
    }

    #[test]
    fn one_key_cannot_sign_for_two_people() {
        let fixture = Fixture::new();
        let public = read(&fixture.ssh_key("shared", &["-t", "ed25519"]));
        let mut keyring = Keyring::default();
        keyring
            .add("alice", &public, fixture.root())
            .expect("first");
        keyring
            .add("alice", &public, fixture.root())
            .expect("listed twice for one person");
        let error = keyring.add("bob", &public, fixture.root()).unwrap_err();
        assert!(error.contains("already listed for `alice`"), "{error}");
    }

    #[test]
    fn garbage_signatures_never_panic_nor_pass() {
        let mut fixture = Fixture::new();
        let alice = fixture.ssh_key("alice", &["-t", "ed25519"]);
        let (bob, bob_armored) = fixture.openpgp_key("Bob <bob@example.com>");
        let keyring = keyring(
            &[("alice", &read(&alice)), ("bob", &bob_armored)],
            fixture.root(),
        );
        let ssh = fixture.commit(Sign::Ssh(&alice));
        let openpgp = fixture.commit(Sign::OpenPgp(&bob));

        let mut huge = OPENPGP_ARMOR.as_bytes().to_vec();
        huge.resize(10 << 20, b'A');
        let x509 = b"-----BEGIN SIGNED MESSAGE-----\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\n-----END SIGNED MESSAGE-----\n";
        for (signature, kind) in [
            (&b""[..], None),
            (b"\xff\xfe\x00garbage", None),
            (x509, None),
            (&huge, Some(SignatureKind::Openpgp)),
            (b"-----BEGIN SSH SIGNATURE-----\n", Some(SignatureKind::Ssh)),
            (
                b"-----BEGIN PGP SIGNATURE-----\n\n=AAAA\n",
                Some(SignatureKind::Openpgp),
            ),
        ] {
            assert_eq!(
                verify(&keyring, signature, b"tree 0\n"),
                Signature::unknown(kind, None)
            );
        }

        for id in [ssh, openpgp] {
            let (signature, signed) = fixture.extract(id);
            for end in 0..signature.len() {
                let verdict = verify(&keyring, &signature[..end], &signed);
                assert!(
                    matches!(
                        verdict.status,
                        SignatureStatus::Bad | SignatureStatus::UnknownKey
                    ),
                    "truncated at {end}: {verdict:?}"
                );
            }
            for at in 0..signature.len() {
                let mut flipped = signature.clone();
                flipped[at] ^= 0x04;
                let verdict = verify(&keyring, &flipped, &signed);
                // Flipping armor whitespace or a CRC-free header line can leave it intact.
                if verdict.status == SignatureStatus::Good {
                    assert_eq!(
                        verdict,
                        verify(&keyring, &signature, &signed),
                        "flipped at {at}"
                    );
                }
            }
        }
    }
}
