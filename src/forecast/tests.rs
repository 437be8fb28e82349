use super::*;
use jiff::civil::date;

fn facts(owner: Option<&str>, status: ActionStatus, due: Option<Date>) -> Facts {
    Facts {
        owner: owner.map(Into::into),
        team: None,
        status,
        priority: None,
        due,
        done_on: None,
        opened: Some(date(2026, 11, 1)),
    }
}

const TODAY: Date = date(2026, 11, 30);

fn assess(all: &[Facts], one: &Facts, policy: &Policy) -> Assessment {
    Forecast::new(all, policy, TODAY).assess(one)
}

#[test]
fn states_follow_status_and_date() {
    let policy = Policy::default();
    let state = |status, due| {
        let f = facts(Some("ana"), status, due);
        assess(std::slice::from_ref(&f), &f, &policy).state
    };
    assert_eq!(state(ActionStatus::Done, None), ActionState::Done);
    assert_eq!(
        state(ActionStatus::WontDo, Some(date(2026, 1, 1))),
        ActionState::WontDo
    );
    assert_eq!(
        state(ActionStatus::Open, Some(date(2026, 11, 29))),
        ActionState::Overdue
    );
    assert_eq!(state(ActionStatus::Open, None), ActionState::Unscheduled);
    assert_eq!(
        state(ActionStatus::InProgress, Some(date(2027, 3, 1))),
        ActionState::OnTrack
    );
    // Due within three days: always at risk, even in progress.
    assert_eq!(
        state(ActionStatus::InProgress, Some(date(2026, 12, 3))),
        ActionState::AtRisk
    );
    assert_eq!(
        state(ActionStatus::InProgress, Some(date(2026, 12, 4))),
        ActionState::OnTrack
    );
}

#[test]
fn each_reason_is_given_in_words() {
    let policy = Policy::default();
    let reasons = |all: &[Facts], one: &Facts| assess(all, one, &policy).risk.reasons;
    let due = |y, m, d| Some(date(y, m, d));

    let soon = facts(Some("ana"), ActionStatus::Open, due(2026, 12, 2));
    assert_eq!(
        reasons(std::slice::from_ref(&soon), &soon),
        ["due in 2 days and not started"]
    );
    let tomorrow = facts(Some("ana"), ActionStatus::InProgress, due(2026, 12, 1));
    assert_eq!(
        reasons(std::slice::from_ref(&tomorrow), &tomorrow),
        ["due tomorrow and still in progress"]
    );
    let late = facts(Some("ana"), ActionStatus::Open, due(2026, 11, 20));
    assert_eq!(
        reasons(std::slice::from_ref(&late), &late),
        ["overdue by 10 days"]
    );

    // Opened 2026-11-01, due 2026-12-11: 29 of 40 days gone.
    let slow = facts(Some("ana"), ActionStatus::Open, due(2026, 12, 11));
    let a = assess(std::slice::from_ref(&slow), &slow, &policy);
    assert_eq!(
        a.risk.reasons,
        ["72% of the time to its due date has passed and it is not started"]
    );
    assert_eq!(a.state, ActionState::AtRisk);
    // Opened three years ago and due in four days: nearly all of the time, never "100%".
    let old = Facts {
        opened: Some(date(2023, 11, 1)),
        ..facts(Some("ana"), ActionStatus::Open, due(2026, 12, 4))
    };
    assert_eq!(
        reasons(std::slice::from_ref(&old), &old),
        ["99% of the time to its due date has passed and it is not started"]
    );
    let started = Facts {
        status: ActionStatus::InProgress,
        ..slow.clone()
    };
    assert!(reasons(std::slice::from_ref(&started), &started).is_empty());
    // In progress, 29 of 33 days gone (88%): a reason, not yet at risk alone.
    let late_start = Facts {
        status: ActionStatus::InProgress,
        ..facts(Some("ana"), ActionStatus::Open, due(2026, 12, 4))
    };
    let a = assess(std::slice::from_ref(&late_start), &late_start, &policy);
    assert_eq!(
        a.risk.reasons,
        ["88% of the time to its due date has passed and it is still in progress"]
    );
    assert_eq!(a.state, ActionState::OnTrack);
    assert!(
        a.risk.score > 0.3 && a.risk.score < AT_RISK,
        "{}",
        a.risk.score
    );

    let nobody = facts(None, ActionStatus::Open, due(2027, 6, 1));
    let a = assess(std::slice::from_ref(&nobody), &nobody, &policy);
    assert_eq!(a.risk.reasons, ["no owner"]);
    assert_eq!(
        a.state,
        ActionState::OnTrack,
        "one soft reason is not enough"
    );
    let strict = Policy {
        require_owner: true,
        ..Policy::default()
    };
    let a = assess(std::slice::from_ref(&nobody), &nobody, &strict);
    assert_eq!(a.risk.reasons, ["no owner, which the policy requires"]);
    assert_eq!(a.state, ActionState::AtRisk);
}

#[test]
fn the_owners_load_and_record_count() {
    let policy = Policy::default();
    let due = |y, m, d| Some(date(y, m, d));
    let this = facts(Some("bo"), ActionStatus::Open, due(2027, 6, 1));
    let mut all = vec![this.clone()];
    all.extend((0..4).map(|_| facts(Some("bo"), ActionStatus::Open, due(2026, 10, 1))));
    all.extend((0..2).map(|_| facts(Some("bo"), ActionStatus::Open, due(2027, 1, 1))));
    let a = assess(&all, &this, &policy);
    assert_eq!(
        a.risk.reasons,
        [
            "owner has 4 other overdue actions",
            "owner has 6 other open actions"
        ]
    );
    assert_eq!(a.state, ActionState::AtRisk);

    // History: 3 of 4 finished late.
    let done = |due: Date, on: Date| Facts {
        done_on: Some(on),
        ..facts(Some("cy"), ActionStatus::Done, Some(due))
    };
    let this = facts(Some("cy"), ActionStatus::Open, due(2027, 6, 1));
    let mut all = vec![this.clone()];
    all.push(done(date(2026, 5, 1), date(2026, 5, 9)));
    all.push(done(date(2026, 6, 1), date(2026, 6, 2)));
    all.push(done(date(2026, 7, 1), date(2026, 7, 30)));
    all.push(done(date(2026, 8, 1), date(2026, 7, 30)));
    assert_eq!(
        assess(&all, &this, &policy).risk.reasons,
        ["owner finished 3 of 4 past actions late"]
    );

    // A new owner in a team that is often late: the team's record speaks.
    let teamed = |f: Facts| Facts {
        team: Some("payments".into()),
        ..f
    };
    let newcomer = teamed(facts(Some("dee"), ActionStatus::Open, due(2027, 6, 1)));
    let mut all: Vec<Facts> = all.into_iter().map(teamed).collect();
    all.push(newcomer.clone());
    assert_eq!(
        assess(&all, &newcomer, &policy).risk.reasons,
        [
            "owner's own record is short (0 finished, 3 needed): team payments finished 3 of 4 past actions late"
        ]
    );

    // An owner with a record of their own is judged by it alone: 1 of 4 late is no
    // reason, however late the rest of the team was.
    let mut all = vec![teamed(this.clone())];
    all.push(teamed(done(date(2026, 5, 1), date(2026, 5, 9))));
    for month in 6..9 {
        all.push(teamed(done(date(2026, month, 1), date(2026, month, 1))));
    }
    for month in 1..7 {
        all.push(teamed(Facts {
            owner: Some("eve".into()),
            ..done(date(2026, month, 1), date(2026, month, 20))
        }));
    }
    let a = assess(&all, &teamed(this.clone()), &policy);
    assert!(a.risk.reasons.is_empty(), "{:?}", a.risk.reasons);
    assert_eq!(a.state, ActionState::OnTrack);
}

#[test]
fn a_score_is_compared_as_it_is_shown() {
    // 0.35 rising to 0.8 from half the time: 0.4992 would be shown as 0.50.
    for today in 0..40 {
        let today = date(2026, 11, 1)
            .checked_add(jiff::Span::new().days(today))
            .unwrap();
        let f = facts(Some("ana"), ActionStatus::Open, Some(date(2026, 12, 11)));
        let a = Forecast::new([&f], &Policy::default(), today).assess(&f);
        assert_eq!(a.risk.score, (a.risk.score * 100.0).round() / 100.0);
        if a.state != ActionState::Overdue && days_between(today, date(2026, 12, 11)) > 3 {
            assert_eq!(a.state == ActionState::AtRisk, a.risk.score >= AT_RISK);
        }
    }
}

#[test]
fn an_owner_the_archive_has_not_seen_is_judged_without_a_record() {
    // The meeting changes an owner after the forecast learned the archive's records.
    let learned = facts(Some("ana"), ActionStatus::Open, Some(date(2026, 11, 1)));
    let forecast = Forecast::new([&learned], &Policy::default(), TODAY);
    let moved = Facts {
        owner: Some("robin".into()),
        ..learned
    };
    let a = forecast.assess(&moved);
    assert_eq!(a.state, ActionState::Overdue);
    assert_eq!(a.risk.reasons, ["overdue by 29 days"]);
}

#[test]
fn the_policy_deadlines_count() {
    let policy = Policy {
        action_due_within_days: [("P0".to_owned(), 7)].into(),
        ..Policy::default()
    };
    let p0 = |due| Facts {
        priority: Some(Priority::P0),
        ..facts(Some("ana"), ActionStatus::Open, due)
    };
    let undated = p0(None);
    let a = assess(std::slice::from_ref(&undated), &undated, &policy);
    assert_eq!(
        a.risk.reasons,
        ["no due date, and the policy wants P0 actions due within 7 days"]
    );
    assert_eq!(a.state, ActionState::Unscheduled);
    let far = p0(Some(date(2027, 6, 1)));
    assert_eq!(
        assess(std::slice::from_ref(&far), &far, &policy)
            .risk
            .reasons,
        ["due 212 days after the incident, and the policy wants P0 actions due within 7 days"]
    );
    let near = p0(Some(date(2026, 11, 8)));
    assert!(
        !assess(std::slice::from_ref(&near), &near, &policy)
            .risk
            .reasons
            .iter()
            .any(|r| r.contains("policy"))
    );
}

/// One past action of `owner` in team `payments`, due on day `due` of 2026 and done `late`
/// days after it (or on time when `late` is 0).
fn past(owner: &str, due: i16, late: i16) -> Facts {
    let due = date(2026, 1, 1)
        .checked_add(jiff::Span::new().days(due))
        .unwrap();
    Facts {
        owner: Some(owner.into()),
        team: Some("payments".into()),
        status: ActionStatus::Done,
        priority: None,
        due: Some(due),
        done_on: Some(due.checked_add(jiff::Span::new().days(late)).unwrap()),
        opened: Some(date(2025, 12, 1)),
    }
}

proptest::proptest! {
    /// A teammate's late action never changes the forecast of an owner whose own record is
    /// long enough to decide.
    #[test]
    fn a_teammates_lateness_never_moves_an_owner_with_a_record(
        own in proptest::collection::vec((0i16..300, 0i16..20), 3..8),
        theirs in proptest::collection::vec((0i16..300, 1i16..40), 1..12),
        due_in in 4i64..90,
        started in proptest::bool::ANY,
    ) {
        let this = Facts {
            team: Some("payments".into()),
            status: if started { ActionStatus::InProgress } else { ActionStatus::Open },
            ..facts(Some("ana"), ActionStatus::Open, Some(TODAY.checked_add(jiff::Span::new().days(due_in)).unwrap()))
        };
        let mut all = vec![this.clone()];
        all.extend(own.iter().map(|&(due, late)| past("ana", due, late)));
        let before = assess(&all, &this, &Policy::default());
        all.extend(theirs.iter().map(|&(due, late)| past("eve", due, late)));
        let after = assess(&all, &this, &Policy::default());
        proptest::prop_assert_eq!(before, after);
    }

    /// With nothing done, an action's score never falls as its due date comes closer.
    #[test]
    fn the_score_never_falls_as_the_date_comes_closer(
        window in 1i64..120,
        started in proptest::bool::ANY,
        others_overdue in 0usize..3,
    ) {
        let opened = date(2026, 6, 1);
        let due = opened.checked_add(jiff::Span::new().days(window)).unwrap();
        let this = Facts {
            opened: Some(opened),
            status: if started { ActionStatus::InProgress } else { ActionStatus::Open },
            ..facts(Some("ana"), ActionStatus::Open, Some(due))
        };
        let mut all = vec![this.clone()];
        all.extend((0..others_overdue).map(|_| facts(Some("ana"), ActionStatus::Open, Some(date(2026, 5, 1)))));
        let mut last = 0.0;
        for day in 0..=window + 2 {
            let today = opened.checked_add(jiff::Span::new().days(day)).unwrap();
            let score = Forecast::new(&all, &Policy::default(), today).assess(&this).risk.score;
            proptest::prop_assert!(score >= last, "day {}: {} after {}", day, score, last);
            last = score;
        }
    }
}
