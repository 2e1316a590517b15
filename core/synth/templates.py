"""Sentence templates for the free-text fields of a synthetic record.

Placeholders are resolved by :class:`core.synth.notes.NoteContext`; PHI placeholders
become gold spans. The literal text of a template must never contain a name, date or
identifier, since only placeholders are tracked.
"""

from __future__ import annotations

__all__ = [
    "HISTORY", "HISTORY_EXTRAS", "HISTORY_NONE", "NOTE_ADMIN", "NOTE_NURSING", "NOTE_PHONE",
    "OPENINGS_FOLLOWUP", "OPENINGS_NEW", "PLAN_CORE", "PLAN_EXTRAS", "all_templates",
]

# First sentence of a first visit: always the age, the symptoms and their duration.
OPENINGS_NEW: tuple[str, ...] = (
    "{pt_full} is {age_np} who presents with {sx} {sx_dur}.",
    "{age_short} p/w {sx} {sx_dur}.",
    "Pt {pt_last} ({age_short}) c/o {sx} {sx_dur}.",
    "{pt_title}, {age_np}, presented to {facility} on {enc_date} with {sx} {sx_dur}.",
    "Seen {enc_date} by {dr} for {sx} {sx_dur}; pt is {age_np}.",
    "{pt_initials}, {age_short}, arrived at {facility_short} {enc_date} c/o {sx} {sx_dur}.",
    "{age_short} w/ {sx} {sx_dur}, seen by {clin_last} on {enc_date}.",
    "CC: {sx} {sx_dur}. HPI: {pt_title} is {age_np} seen at {facility} {enc_date}.",
    "{pt_title} is {age_np} referred by {dr_full} for {sx} {sx_dur}.",
    "Patient: {pt_upper}. {age_short}, presenting with {sx} {sx_dur}.",
    "{pt_title}, aged {age}, reports {sx} {sx_dur}.",
    "{pt_ref} ({age_short}) seen in {dept} clinic {enc_date} for {sx} {sx_dur}.",
    "Pt is {age_np} with {sx} {sx_dur}.",
)

# First sentence of a later visit of the same patient.
OPENINGS_FOLLOWUP: tuple[str, ...] = (
    "{pt_title} is {age_np} returning for f/u; now reports {sx} {sx_dur}.",
    "F/u visit {enc_date}: {age_short}, seen by {dr}, reports {sx} {sx_dur}.",
    "{pt_full} ({age_short}) returns to clinic on {enc_date} with {sx} {sx_dur}.",
    "Pt {pt_last} back for follow-up; {age_np} with {sx} {sx_dur}.",
    "Interval visit at {facility}, {enc_date}. {pt_initials} is {age_np} with {sx} {sx_dur}.",
    "Return visit. {pt_title}, aged {age}, c/o {sx} {sx_dur}.",
    "{age_short} known to {clin_last}, here for f/u with {sx} {sx_dur}.",
)

HISTORY: tuple[str, ...] = (
    "PMH: {hx}.",
    "Hx of {hx}.",
    "Known {hx}.",
    "Past history significant for {hx}.",
    "PMH notable for {hx} per records from {other_facility}.",
    "PMH {hx}, followed by {dr}.",
    "Hx {hx} (dx {prior_date}).",
    "Chronic problems: {hx}.",
)

HISTORY_NONE: tuple[str, ...] = (
    "No significant PMH.",
    "PMH unremarkable.",
    "Denies prior medical problems.",
    "No known chronic conditions.",
)

# Optional sentences, most of them carrying PHI.
HISTORY_EXTRAS: tuple[str, ...] = (
    "DOB {dob}, MRN {mrn}.",
    "MRN {mrn}; DOB {dob}.",
    "Lives at {address} with {rel}.",
    "Lives alone at {address}.",
    "Resides at {street} in {city}, {zip}.",
    "{rel} called on {call_date} with questions; callback {rel_phone}.",
    "Brought in by {rel}.",
    "Pt reachable at {phone}.",
    "Best contact {phone}; alt {rel_phone} ({rel_name}).",
    "Prior ED visit {prior_date} at {other_facility}.",
    "Last seen by {clin_last} on {prior_date}.",
    "Seen by {clin_last} in clinic {prior_date}.",
    "Outside records faxed from {fax}.",
    "Remote monitoring device at {ip} uploaded readings {prior_date}.",
    "Home telemetry hub IP {ip}.",
    "Pt portal: {url}.",
    "Pt email {email}.",
    "SSN {ssn} on file.",
    "Insurance member ID {member_id}.",
    "Acct {account}.",
    "Pacemaker (serial {device}) interrogated {prior_date}.",
    "Pt ID verified ({pt_initials}, DOB {dob}).",
    "{dr} discussed with {nurse}.",
    "{rel} at bedside, states pt more tired lately.",
    "History obtained from pt and {rel}.",
    "Arrived by private car, plate {plate}.",
    "Prior admission to {facility_short} {prior_date} for same.",
    "ID band checked: {pt_upper}, MRN {mrn}.",
    "Vitals: {vitals}.",
    "Vitals {vitals}.",
    "NKDA. Meds reviewed.",
    "Signed by {attending} (lic. {license}).",
    "Pt {pt_upper_last} prefers calls to {phone}.",
    "Care coordinated with {dr_full} at {other_facility}.",
)

# The plan always names the ordered investigations and the follow-up interval.
PLAN_CORE: tuple[str, ...] = (
    "Plan: start {med_names}. Obtain {tests}. RTC {fu} with {dr}.",
    "Start {med_names}. Check {tests}. F/u in {fu} ({fu_date}).",
    "Rx: {med_names}. Follow-up: {tests}. Return in {fu}.",
    "Continue {med_names}; order {tests}. Next appt {fu_date} at {facility} (in {fu}).",
    "Will obtain {tests} and start {med_names}. RTC {fu}, appt {fu_date} with {clin_last}.",
    "{dx}: start {med_names}; {tests} ordered. F/u {fu} with {dr_full}.",
    "A/P: {dx}. Meds: {med_names}. Labs/imaging: {tests}. Follow up in {fu}.",
    "Assessment {dx}. Begin {med_names}. Workup: {tests}. See back in {fu}.",
)

PLAN_EXTRAS: tuple[str, ...] = (
    "Call {phone} with results.",
    "Results will post to {url}.",
    "Fax summary to {fax}.",
    "Discussed plan with {rel}.",
    "Pt and {rel} agree with plan.",
    "Send records to {other_facility}, fax {fax}.",
    "Return precautions reviewed with {pt_ref}.",
    "Email instructions to {email}.",
    "{nurse} to call pt {call_date}.",
    "Prior auth submitted for member ID {member_id}.",
    "Billing acct {account}.",
    "Consult {dept}; {dr} aware.",
    "Home health to visit {address}.",
    "Education provided.",
    "Pt verbalized understanding.",
)

# Optional ``notes`` field: an ALL-CAPS nursing note, a phone note or an admin note.
NOTE_NURSING: tuple[str, ...] = (
    "RN note {enc_date}: pt {pt_last} resting, {rel} at bedside.",
    "{pt_full} ambulating with assist.",
    "VS: {vitals}.",
    "Called {dr} re {sx}.",
    "MRN {mrn} armband checked.",
    "Pt {pt_last} tolerating PO.",
    "{rel} updated by phone at {rel_phone}.",
    "Handoff to {nurse} at shift change.",
    "{pt_initials} denies pain at this time.",
)
NOTE_PHONE: tuple[str, ...] = (
    "Telephone encounter {call_date}: {rel} called re: {pt_first}. Callback {rel_phone}.",
    "Pt called from {phone} asking about {med_names}.",
    "Left VM for {pt_title} at {phone}.",
    "{pt_first} returned call {call_date}; questions answered.",
)
NOTE_ADMIN: tuple[str, ...] = (
    "Referral faxed to {other_facility} at {fax} on {call_date}.",
    "Portal message sent via {url}.",
    "Login from {ip} flagged for review.",
    "Records request from {rel} ({rel_phone}) on {call_date}.",
    "Insurance ({member_id}) verified {call_date}.",
)


def all_templates() -> tuple[str, ...]:
    """Every template of this module, for vocabulary checks and tests."""
    return (OPENINGS_NEW + OPENINGS_FOLLOWUP + HISTORY + HISTORY_NONE + HISTORY_EXTRAS + PLAN_CORE
            + PLAN_EXTRAS + NOTE_NURSING + NOTE_PHONE + NOTE_ADMIN)
