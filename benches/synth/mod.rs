//! Generator of synthetic plans repositories for benchmarks: realistic plans (about 15 KB
//! each), people, and a git history with merges, renames, squash-PR subjects and trailers,
//! written with `git fast-import` so that 50,000 commits take seconds, not hours.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub plans: usize,
    pub commits: usize,
    pub people: usize,
    /// Files outside the plans folder (notes, CRM exports, scripts), some edited over time.
    pub other_files: usize,
    /// A two-commit branch is merged every this many commits.
    pub merge_every: usize,
    /// A plan is moved to another folder every this many commits.
    pub move_every: usize,
    /// Company-shaped: plans in team folders, most edits leave the covered fields alone (so
    /// a sign-off is verified across several revisions), edits that change targets renew the
    /// sign-offs with their signers' approval, and commits come from many authors.
    pub company: bool,
    /// Repacked with deltas computed again (`git repack -f`, then `git gc`) after `git
    /// fast-import` (whose pack stores each blob as a delta on the one written before it,
    /// whatever its file).
    pub gc: bool,
}

impl Shape {
    /// The project's first generator: plans in region folders, merges every 25 commits, a
    /// move every 400, edits that change targets.
    pub fn standard(plans: usize, commits: usize) -> Shape {
        Shape {
            plans,
            commits,
            people: 200,
            other_files: 0,
            merge_every: 25,
            move_every: 400,
            company: false,
            gc: false,
        }
    }

    /// Shaped like a company's repository: 5,000 other files, 1,000 people, merges every 100
    /// commits, a plan moved every 20 commits.
    pub fn company(plans: usize, commits: usize) -> Shape {
        Shape {
            plans,
            commits,
            people: 1_000,
            other_files: 5_000,
            merge_every: 100,
            move_every: 20,
            company: true,
            gc: false,
        }
    }

    /// The variant of `name`: `standard`, `company` or `company-gc`.
    pub fn variant(name: &str, plans: usize, commits: usize) -> Option<Shape> {
        match name {
            "standard" => Some(Shape::standard(plans, commits)),
            "company" => Some(Shape::company(plans, commits)),
            "company-gc" => Some(Shape {
                gc: true,
                ..Shape::company(plans, commits)
            }),
            _ => None,
        }
    }
}

/// The variants, in the order the benchmarks measure them.
pub const VARIANTS: [&str; 3] = ["standard", "company", "company-gc"];

/// How far plan `n`'s revisions have come: `rev` counts every edit, `terms` the edits that
/// changed what its sign-offs cover (company-shaped histories only).
#[derive(Debug, Clone, Copy, Default)]
pub struct Revision {
    pub rev: usize,
    pub terms: Option<usize>,
}

/// A small deterministic random number generator (xorshift64*), so runs are repeatable.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const REGIONS: [&str; 4] = ["emea", "apac", "na", "latam"];
const SEGMENTS: [&str; 4] = ["Mid-market", "Enterprise", "Public sector", "SMB"];
const FUNCTIONS: [&str; 6] = [
    "marketing",
    "pre_sales",
    "enablement",
    "sales_ops",
    "partner",
    "legal",
];
const SENTENCES: [&str; 12] = [
    "Bookings in the territory have fallen short of the expectation for three quarters in a row, while comparable territories grew.",
    "Win/loss interviews with the buyers of recent lost deals show that price was rarely the deciding factor.",
    "The competitor opened a local office this year and now appears early in most opportunities, with references from the region.",
    "Security and contract reviews take between four and nine weeks, and in several deals the budget window closed before we finished.",
    "Pipeline coverage for the next quarter is below two times the target, so a recovered win rate alone cannot close the gap.",
    "Pre-sales capacity is shared with two other territories, and proofs of concept have no fixed length or success criteria.",
    "Partners see a strong product fit but say they cannot recommend us without local customer references.",
    "The activities below each have one owner and move at least one of the plan's metrics in the agreed direction.",
    "The investment comes from the regional field marketing budget and from the enablement team's time.",
    "The sponsor will join two late-stage customer calls a month and review every opportunity above the agreed threshold.",
    "If the target is missed at the reassessment, the territory will be split and a second account executive hired.",
    "Reaching the target pays an accelerator on commission for every unit above the expectation in the quarter.",
];

pub fn person(i: usize) -> String {
    format!("person-{i:04}")
}

pub fn people_yaml(count: usize) -> String {
    let mut out = String::new();
    for i in 0..count {
        let roles = if i % 10 == 0 {
            "[leadership, sales]"
        } else {
            "[sales]"
        };
        let _ = writeln!(
            out,
            "{}:\n  name: Person {i}\n  email: person{i}@example.com\n  roles: {roles}\n  title: Account Executive",
            person(i)
        );
    }
    out
}

/// The people who sign off plan `n`: its peer reviewer and its sales leader.
fn signer_indexes(n: usize, people: usize) -> [usize; 2] {
    let (_, peer, leader) = roles(n, people);
    [peer, leader]
}

/// Owner, peer and leader of plan `n`: leaders are every tenth person; owners and peers are
/// never leaders and never the same person.
fn roles(n: usize, people: usize) -> (usize, usize, usize) {
    let not_leader = |i: usize| if i.is_multiple_of(10) { i + 1 } else { i };
    let owner = not_leader(1 + (n * 7) % (people - 2));
    let mut peer = not_leader(1 + (n * 13 + 5) % (people - 2));
    if peer == owner {
        peer = not_leader(peer + 1);
    }
    let leader = ((n % (people / 10).max(1)) * 10).min(people - 1);
    (owner, peer, leader)
}

/// The plan file for plan `n` at `revision`. Without `terms`, every revision changes targets;
/// with it, targets and sign-off dates follow `terms` and the rest follows `rev`.
pub fn revision_text(n: usize, revision: Revision, people: usize, rng: &mut Rng) -> String {
    let rev = revision.rev;
    let terms = revision.terms.unwrap_or(rev);
    let id = format!("plan-{n:05}");
    let (owner, peer, leader) = roles(n, people);
    let (owner, peer, leader) = (person(owner), person(peer), person(leader));
    let statuses = ["draft", "in_review", "approved", "active"];
    let status = statuses[(n + rev) % statuses.len()];
    let baseline = 300_000 + (n % 50) * 10_000;
    let target = baseline + 100_000 + (terms % 20) * 5_000;
    let region = REGIONS[n % REGIONS.len()];
    let segment = SEGMENTS[n % SEGMENTS.len()];
    let mut fm = format!(
        "---\nid: {id}\ntitle: {segment} recovery plan {n}\nstatus: {status}\nowner: {owner}\nsponsor: {leader}\nscope:\n  region: {region}\n  territory: Territory {t}\n  role: Account Executive\n  segment: {segment}\nperiod:\n  start: 2026-01-01\n  reassess: 2026-04-30\n  end: 2026-06-30\ncurrency: EUR\nmetrics:\n",
        t = n % 97
    );
    let metrics = ["bookings", "win-rate", "pipeline-coverage", "cycle-days"];
    for (i, m) in metrics.iter().enumerate() {
        let (unit, direction, b, e, t) = match i {
            0 => (
                "currency",
                "increase",
                baseline as f64,
                target as f64,
                target as f64,
            ),
            1 => ("percent", "increase", 18.0, 26.0, 26.0),
            2 => ("ratio", "increase", 2.1, 3.5, 3.5),
            _ => ("days", "decrease", 140.0, 110.0, 110.0),
        };
        let _ = write!(
            fm,
            "  - id: {m}\n    name: Metric {m}\n    unit: {unit}\n    direction: {direction}\n    baseline: {b}\n    expected: {e}\n    target: {t}\n"
        );
        if i == 0 {
            fm.push_str("    primary: true\n");
        }
        if unit == "percent" || unit == "ratio" {
            fm.push_str("    definition: Measured over the trailing two quarters from the CRM.\n");
        }
    }
    fm.push_str("checkins:\n");
    for c in 0..(1 + rev % 3) {
        let _ = write!(
            fm,
            "  - date: 2026-0{}-15\n    actuals: {{ bookings: {}, win-rate: {} }}\n    confidence: {}\n    note: Progress reviewed with the sponsor.\n",
            c + 1,
            baseline + c * 20_000,
            18 + c,
            5 + c
        );
    }
    let _ = write!(
        fm,
        "team:\n  - person: {peer}\n    role: Solutions engineering\n    function: pre_sales\nactivities:\n"
    );
    for a in 0..6 {
        let function = FUNCTIONS[(n + a) % FUNCTIONS.len()];
        let _ = write!(
            fm,
            "  - id: activity-{a}\n    title: Activity {a} to move {m}\n    owner: {owner}\n    function: {function}\n    due: 2026-0{}-1{}\n    status: planned\n    metrics: [{m}]\n    investment: {{ money: {}, days: {} }}\n",
            2 + a % 4,
            a % 9,
            5_000 + a * 1_000,
            2 + a,
            m = metrics[a % metrics.len()]
        );
    }
    // A renewed sign-off has a new date (one day later per renewal, before the 2026 period).
    let (peer_date, leader_date) = match revision.terms {
        None | Some(0) => ("2025-12-20".to_string(), "2025-12-22".to_string()),
        Some(t) => {
            let day = jiff::civil::date(2025, 1, 1)
                .checked_add(jiff::Span::new().days((t % 300) as i64))
                .expect("a date in 2025");
            (day.to_string(), day.to_string())
        }
    };
    let _ = write!(
        fm,
        "investment:\n  budget: 100000\n  days: 60\nhelp_needed:\n  - from: {leader}\n    ask: Join two customer calls a month.\n    by: 2026-02-28\n    status: agreed\nanalysis:\n  win_loss:\n    summary: Lost deals went to a local competitor.\n  team_comparison:\n    summary: Competitors field two AEs per territory.\n  baseline_360:\n    summary: Partners want local references.\nconsequences:\n  on_miss: The territory is split.\n  incentive: A commission accelerator.\nsignoffs:\n  - person: {peer}\n    role: Peer review\n    date: {peer_date}\n  - person: {leader}\n    role: Sales leadership\n    date: {leader_date}\n---\n\n# {segment} recovery plan {n}\n\n"
    );
    let sections = planbook::check::rules::ALWAYS_SECTIONS
        .iter()
        .chain(&planbook::check::rules::REVIEW_SECTIONS);
    for section in sections {
        let _ = write!(fm, "## {section}\n\n");
        for _ in 0..3 {
            for _ in 0..4 {
                fm.push_str(rng.pick(&SENTENCES));
                fm.push(' ');
            }
            let _ = write!(fm, "Revision {rev} of plan {n}.\n\n");
        }
    }
    fm
}

/// A file outside the plans folder: a team note, a CRM export or a script, about 1.5 KB.
pub fn other_file(i: usize, rev: usize) -> (String, String) {
    let mut text = String::new();
    let path = match i % 3 {
        0 => {
            let _ = writeln!(text, "# Team note {i}\n\nRevision {rev}.\n");
            for k in 0..10 {
                let _ = writeln!(text, "{}", SENTENCES[(i + k + rev) % SENTENCES.len()]);
            }
            format!("docs/notes/team-{:02}/note-{i:05}.md", i % 50)
        }
        1 => {
            text.push_str("account,region,segment,stage,amount\n");
            for k in 0..40 {
                let _ = writeln!(
                    text,
                    "account-{},{},{},stage-{},{}",
                    i * 40 + k,
                    REGIONS[(i + k) % REGIONS.len()],
                    SEGMENTS[k % SEGMENTS.len()],
                    (k + rev) % 5,
                    10_000 + (i * 37 + k * 101 + rev) % 90_000
                );
            }
            format!("data/crm/export-{i:05}.csv")
        }
        _ => {
            let _ = writeln!(text, "# Report {i}, revision {rev}\nimport csv\n");
            for k in 0..25 {
                let _ = writeln!(
                    text,
                    "def step_{k}(rows):\n    return [r for r in rows if r['stage'] == 'stage-{}']\n",
                    (k + rev) % 5
                );
            }
            format!("scripts/report-{i:05}.py")
        }
    };
    (path, text)
}

/// The folder of plan `n` at its `moves`th move: region folders, and team folders within them
/// in company-shaped repositories.
fn plan_path(n: usize, moves: usize, shape: &Shape) -> String {
    let region = REGIONS[(n + moves) % REGIONS.len()];
    if shape.company {
        format!(
            "plans/{region}/team-{:02}/plan-{n:05}.md",
            (n + 7 * moves) % 25
        )
    } else {
        format!("plans/{region}/plan-{n:05}.md")
    }
}

/// `Approved-by:` trailers for the people of `signers`, sorted and without repeats.
fn trailers(mut signers: Vec<usize>) -> String {
    signers.sort_unstable();
    signers.dedup();
    signers
        .iter()
        .map(|i| format!("Approved-by: Person {i} <person{i}@example.com>\n"))
        .collect()
}

/// Writes a repository at `dir` with `shape.plans` plans and `shape.commits` commits.
///
/// The first commits add the plans in batches; every later commit edits one to three plans
/// (new targets, statuses, check-ins, text). Every `merge_every`th commit is a merge of a
/// two-commit branch; every `move_every`th moves a plan to another folder; subjects carry
/// `(#N)` and some commits carry `Approved-by:` trailers. Every commit is committed by the
/// merge bot, as a squash-merging forge does, and the bot is a trusted committer: its trailers
/// attest. Company-shaped repositories also hold `other_files` files outside the plans folder
/// (edited now and then, sometimes alone), and their edits change what sign-offs cover only
/// one time in five, renewing the sign-offs in the same commit with the signers' approval.
pub fn generate(dir: &Path, shape: Shape) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let git = |args: &[&str]| Command::new("git").args(args).current_dir(dir).output();
    git(&["init", "-q", "-b", "main"])?;
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet", "--force"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .spawn()?;
    let mut stdin =
        std::io::BufWriter::with_capacity(1 << 20, child.stdin.take().expect("piped stdin"));
    let mut rng = Rng::new(42);
    let mut revs = vec![
        Revision {
            rev: 0,
            terms: shape.company.then_some(0),
        };
        shape.plans
    ];
    let mut paths: Vec<String> = (0..shape.plans).map(|n| plan_path(n, 0, &shape)).collect();
    let mut other_revs = vec![0usize; shape.other_files];
    let mut time = 1_700_000_000u64;
    let mut mark = 0usize;
    let mut main_mark: Option<usize> = None;
    let batch = 100.max(shape.plans / 100);
    let add_commits = shape.plans.div_ceil(batch);
    let mut pr = 1usize;

    let mut emit_commit = |stdin: &mut dyn std::io::Write,
                           branch: &str,
                           from: Option<usize>,
                           merge: Option<usize>,
                           subject: String,
                           author: usize,
                           changes: &str,
                           time: u64|
     -> std::io::Result<usize> {
        mark += 1;
        let message = subject;
        write!(
            stdin,
            "commit refs/heads/{branch}\nmark :{mark}\nauthor Person {author} <person{author}@example.com> {time} +0000\ncommitter Merge Bot <merge-bot@example.com> {time} +0000\ndata {}\n{message}\n",
            message.len()
        )?;
        if let Some(from) = from {
            writeln!(stdin, "from :{from}")?;
        }
        if let Some(merge) = merge {
            writeln!(stdin, "merge :{merge}")?;
        }
        stdin.write_all(changes.as_bytes())?;
        writeln!(stdin)?;
        Ok(mark)
    };

    let modify = |changes: &mut String, path: &str, text: &str| {
        let _ = write!(
            changes,
            "M 100644 inline {path}\ndata {}\n{text}\n",
            text.len()
        );
    };
    // Edits plan `n`; returns the people whose approval the edit needs (company-shaped
    // repositories renew sign-offs when what they cover changes).
    let edit_plan = |n: usize,
                     revs: &mut [Revision],
                     rng: &mut Rng,
                     changes: &mut String,
                     path: &str|
     -> Vec<usize> {
        let revision = &mut revs[n];
        revision.rev += 1;
        let mut signers = Vec::new();
        if let Some(terms) = &mut revision.terms
            && rng.below(5) == 0
        {
            *terms += 1;
            signers.extend(signer_indexes(n, shape.people));
        }
        let text = revision_text(n, *revision, shape.people, rng);
        modify(changes, path, &text);
        signers
    };
    let author_of = |commit: usize, fallback: usize| {
        if shape.company {
            (commit * 31 + 7) % shape.people
        } else {
            fallback
        }
    };

    // The repository's own files and the plans, in batches.
    let mut changes = String::new();
    modify(&mut changes, "people.yaml", &people_yaml(shape.people));
    modify(
        &mut changes,
        "planbook.toml",
        "[signoff]\ntrusted_committers = [\"merge-bot@example.com\"]\n\n[rules]\nplan-length = \"off\"\n",
    );
    for i in 0..shape.other_files {
        let (path, text) = other_file(i, 0);
        modify(&mut changes, &path, &text);
    }
    for c in 0..add_commits {
        let first = c * batch;
        for (n, path) in paths.iter().enumerate().skip(first).take(batch) {
            let text = revision_text(n, revs[n], shape.people, &mut rng);
            modify(&mut changes, path, &text);
        }
        time += 3_600;
        // The plans arrive signed off: their signers approve the commit that adds them.
        let signers: Vec<usize> = (first..(first + batch).min(shape.plans))
            .flat_map(|n| signer_indexes(n, shape.people))
            .collect();
        let m = emit_commit(
            &mut stdin,
            "main",
            main_mark,
            None,
            format!("Add plans batch {c} (#{pr})\n\n{}", trailers(signers)),
            author_of(c, c % shape.people),
            &changes,
            time,
        )?;
        pr += 1;
        main_mark = Some(m);
        changes.clear();
    }

    let mut commit = add_commits;
    while commit < shape.commits {
        time += 600;
        if commit % shape.merge_every == 0 && commit + 3 <= shape.commits {
            // A branch of two commits, merged back with a merge commit.
            let branch = format!("topic-{commit}");
            let mut from = main_mark;
            // The first generator's merges keep the main line's tree (what `git fast-import`
            // does with no changes); company-shaped merges bring the branch's files in.
            let mut merged = String::new();
            for k in 0..2 {
                let n = rng.below(shape.plans);
                let signers = edit_plan(n, &mut revs, &mut rng, &mut changes, &paths[n]);
                time += 60;
                let subject = if signers.is_empty() {
                    format!("Update targets for plan-{n:05}")
                } else {
                    format!("Update targets for plan-{n:05}\n\n{}", trailers(signers))
                };
                let m = emit_commit(
                    &mut stdin,
                    &branch,
                    from,
                    None,
                    subject,
                    author_of(commit + k, n % shape.people),
                    &changes,
                    time,
                )?;
                if shape.company {
                    merged.push_str(&changes);
                }
                changes.clear();
                from = Some(m);
            }
            time += 60;
            let m = emit_commit(
                &mut stdin,
                "main",
                main_mark,
                from,
                format!("Merge pull request #{pr} from corvid/{branch}"),
                0,
                &merged,
                time,
            )?;
            pr += 1;
            main_mark = Some(m);
            commit += 3;
            continue;
        }
        if commit % shape.move_every == 0 {
            let n = rng.below(shape.plans);
            let moves = commit / shape.move_every;
            let new_path = if shape.company {
                let mut k = moves;
                while plan_path(n, k, &shape) == paths[n] {
                    k += 1;
                }
                plan_path(n, k, &shape)
            } else {
                let region = REGIONS[(n + moves) % REGIONS.len()];
                format!("plans/{region}/moved-{moves}/plan-{n:05}.md")
            };
            let region = new_path.split('/').nth(1).unwrap_or_default().to_string();
            let _ = writeln!(changes, "R {} {new_path}", paths[n]);
            paths[n] = new_path;
            let m = emit_commit(
                &mut stdin,
                "main",
                main_mark,
                None,
                format!("Move plan-{n:05} to {region} (#{pr})"),
                author_of(commit, 3),
                &changes,
                time,
            )?;
            pr += 1;
            changes.clear();
            main_mark = Some(m);
            commit += 1;
            continue;
        }
        let mut signers = Vec::new();
        let others_only = shape.other_files > 0 && commit % 10 == 5;
        if !others_only {
            let edits = 1 + rng.below(3);
            for _ in 0..edits {
                let n = rng.below(shape.plans);
                signers.extend(edit_plan(n, &mut revs, &mut rng, &mut changes, &paths[n]));
            }
        }
        if shape.other_files > 0 && (others_only || commit % 3 == 0) {
            let i = (commit * 7919) % shape.other_files;
            other_revs[i] += 1;
            let (path, text) = other_file(i, other_revs[i]);
            modify(&mut changes, &path, &text);
        }
        let subject = if !signers.is_empty() {
            format!("Renew sign-offs (#{pr})\n\n{}", trailers(signers))
        } else if commit % 7 == 0 {
            format!("Sign off plans (#{pr})\n\nApproved-by: Person 10 <person10@example.com>")
        } else if others_only {
            format!("Update team notes and exports (#{pr})")
        } else {
            format!("Weekly plan updates (#{pr})")
        };
        let m = emit_commit(
            &mut stdin,
            "main",
            main_mark,
            None,
            subject,
            author_of(commit, commit % shape.people),
            &changes,
            time,
        )?;
        pr += 1;
        changes.clear();
        main_mark = Some(m);
        commit += 1;
    }
    stdin.flush()?;
    drop(stdin);
    let status = child.wait()?;
    if !status.success() {
        return Err(std::io::Error::other("git fast-import failed"));
    }
    git(&["checkout", "-q", "-f", "main"])?;
    if shape.gc {
        // `git gc` alone keeps the deltas `git fast-import` chose; `-f` computes them again.
        for args in [
            &["repack", "-a", "-d", "-f", "-q"][..],
            &["gc", "-q", "--prune=now"][..],
        ] {
            let out = git(args)?;
            if !out.status.success() {
                return Err(std::io::Error::other(format!("git {} failed", args[0])));
            }
        }
    }
    Ok(())
}
