//! When a commit was made: an instant and the UTC offset its author wrote it in, and the
//! bounds `log --since/--until` compare revisions with.
//!
//! Authors commit in their own offsets, so two commit times are compared as instants, never
//! as text: `2026-03-01T23:30:00-05:00` is after `2026-03-02T01:00:00+01:00`. Outputs show
//! the time as the author's clock read it, `2026-03-01T23:30:00-05:00`.

use std::fmt;

use jiff::civil::Date;
use jiff::tz::Offset;
use jiff::{Timestamp, ZonedDateTime};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The text form: ISO 8601 to the second with the offset, `2026-03-01T14:05:00+01:00`.
const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%:z";

/// An instant with the UTC offset it was recorded in. Ordered and compared as an instant (the
/// offset only breaks ties, so that equal means the same text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct CommitTime {
    instant: Timestamp,
    offset: Offset,
}

impl CommitTime {
    /// `seconds` since the Unix epoch, recorded at `offset_seconds` east of UTC (what git
    /// stores). `None` when either is outside what a date can hold.
    pub(crate) fn from_parts(seconds: i64, offset_seconds: i32) -> Option<CommitTime> {
        Some(CommitTime {
            instant: Timestamp::from_second(seconds).ok()?,
            offset: Offset::from_seconds(offset_seconds).ok()?,
        })
    }

    /// A git signature's time; the Unix epoch in UTC when git holds one no date can.
    pub(crate) fn from_git(time: git2::Time) -> CommitTime {
        CommitTime::from_parts(time.seconds(), time.offset_minutes().saturating_mul(60)).unwrap_or(
            CommitTime {
                instant: Timestamp::UNIX_EPOCH,
                offset: Offset::UTC,
            },
        )
    }

    /// Now, in the local offset (the time of uncommitted changes).
    pub(crate) fn now() -> CommitTime {
        let now = ZonedDateTime::now();
        CommitTime {
            instant: now.timestamp(),
            offset: now.offset(),
        }
    }

    pub(crate) fn instant(self) -> Timestamp {
        self.instant
    }

    /// Seconds east of UTC.
    pub(crate) fn offset_seconds(self) -> i32 {
        self.offset.seconds()
    }

    /// The calendar day on the author's clock.
    pub(crate) fn date(self) -> Date {
        self.offset.to_datetime(self.instant).date()
    }
}

impl fmt::Display for CommitTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.offset.to_datetime(self.instant);
        write!(f, "{}", local.strftime("%Y-%m-%dT%H:%M:%S"))?;
        let seconds = self.offset.seconds();
        let sign = if seconds < 0 { '-' } else { '+' };
        let minutes = seconds.unsigned_abs() / 60;
        write!(f, "{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

impl std::str::FromStr for CommitTime {
    type Err = jiff::Error;

    fn from_str(text: &str) -> Result<CommitTime, jiff::Error> {
        let parsed = jiff::fmt::strtime::parse(FORMAT, text)?;
        Ok(CommitTime {
            instant: parsed.to_timestamp()?,
            offset: parsed.offset().unwrap_or(Offset::UTC),
        })
    }
}

impl Serialize for CommitTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CommitTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<CommitTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A bound of `log --since/--until`: a calendar date, compared with the day on the author's
/// clock, or an instant with its offset (RFC 3339), compared with the commit's instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeBound {
    Date(Date),
    Instant(Timestamp),
}

impl TimeBound {
    /// Parses `YYYY-MM-DD` or an RFC 3339 time such as `2026-03-02T01:00:00+01:00`.
    /// (jiff would read a date out of any datetime: only the ten characters of one are a date).
    pub(crate) fn parse(text: &str) -> Option<TimeBound> {
        if let Ok(instant) = text.parse::<Timestamp>() {
            return Some(TimeBound::Instant(instant));
        }
        let date = text.parse::<Date>().ok().filter(|_| text.len() == 10)?;
        Some(TimeBound::Date(date))
    }

    /// Whether `time` is on or after this bound.
    pub(crate) fn starts_by(self, time: CommitTime) -> bool {
        match self {
            TimeBound::Date(date) => time.date() >= date,
            TimeBound::Instant(instant) => time.instant() >= instant,
        }
    }

    /// Whether `time` is on or before this bound.
    pub(crate) fn ends_after(self, time: CommitTime) -> bool {
        match self {
            TimeBound::Date(date) => time.date() <= date,
            TimeBound::Instant(instant) => time.instant() <= instant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> CommitTime {
        text.parse().unwrap()
    }

    #[test]
    fn text_round_trips_with_the_authors_offset() {
        for text in [
            "2026-03-01T23:30:00-05:00",
            "2026-03-02T01:00:00+01:00",
            "2026-03-02T05:45:00+05:45",
            "1969-12-31T19:00:01-05:00",
            "2026-01-01T00:00:00+00:00",
        ] {
            assert_eq!(at(text).to_string(), text);
            let json = serde_json::to_string(&at(text)).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<CommitTime>(&json).unwrap(), at(text));
        }
        let git = CommitTime::from_git(git2::Time::new(1_772_425_800, -300));
        assert_eq!(git.to_string(), "2026-03-01T23:30:00-05:00");
    }

    #[test]
    fn times_compare_as_instants_and_dates_as_the_authors_day() {
        let new_york = at("2026-03-01T23:30:00-05:00");
        let berlin = at("2026-03-02T01:00:00+01:00");
        assert!(new_york > berlin);
        assert!(new_york.to_string() < berlin.to_string());
        assert_eq!(new_york.date().to_string(), "2026-03-01");

        let between = TimeBound::parse("2026-03-02T02:00:00+01:00").unwrap();
        assert!(between.starts_by(new_york) && !between.starts_by(berlin));
        assert!(between.ends_after(berlin) && !between.ends_after(new_york));

        let day = TimeBound::parse("2026-03-02").unwrap();
        assert!(day.starts_by(berlin) && !day.starts_by(new_york));
        assert!(day.ends_after(new_york) && day.ends_after(berlin));
        for wrong in ["March 2nd", "2026-03-02T02:00:00", "2026-03-02T02:00"] {
            assert_eq!(TimeBound::parse(wrong), None, "{wrong}");
        }
    }
}
