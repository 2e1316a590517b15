"""Medical vocabulary that de-identification must leave alone.

Eponyms ("Parkinson's disease", "Bell's palsy"), drug names (generic and brand, listed in
``data/drugs.txt``), units and clinical abbreviations are not PHI, even when they look like
names. A detector consults this module before it calls a capitalised token a name:

- :func:`is_protected` says whether one token is medical vocabulary (case-insensitive,
  possessives and plural-possessives accepted: ``Parkinson's``, ``Graves'``);
- :func:`in_eponym_context` says whether a token at ``text[start:end]`` is used as an
  eponym there ("Graves' disease", "Murphy sign", "non-Hodgkin", "his Parkinson's") rather
  than as a person's name; a title before it ("Dr. Graves") is the detector's business and
  always wins.

A span that matches an identifier of the record itself (``Detection.known``) is redacted even
when it is protected: that decision belongs to the caller, not to this module.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources


def _words(text: str) -> frozenset[str]:
    """The blank-separated words of ``text``."""
    return frozenset(text.split())

__all__ = [
    "ABBREVIATIONS", "CLINICAL_WORDS", "DRUGS", "EPONYMS", "EPONYM_HEADS", "PROTECTED_TERMS", "UNITS",
    "in_eponym_context", "is_eponym", "is_protected", "normalise",
]

# Eponymous diseases, signs, tests, scores, devices and procedures. Very common surnames whose
# eponym is rare in notes (Smith fracture, Wells score, Jones criteria) are left out: those are
# protected by context only ("Smith fracture"), so "Jane Smith" stays a name.
EPONYMS: frozenset[str] = _words("""
addison adie bell alport alzheimer apgar argyll arnold-chiari asperger babinski barrett behcet bence
bentall billroth blakemore blalock boerhaave bowen braxton breslow broca brown-sequard brudzinski
buerger burkitt chagas charcot charcot-marie-tooth cheyne cheyne-stokes chiari child-pugh churg
chvostek coombs courvoisier coxsackie creutzfeldt creutzfeldt-jakob crigler crohn cushing dequervain
doppler down dubin dupuytren edinger ehlers-danlos eisenmenger epley epstein-barr erb ewing fallot
felty foley fontan framingham friedreich gaucher giemsa glasgow graves guillain guillain-barre
guillain-barré hallpike hashimoto heberden heimlich henoch henoch-schonlein hirschsprung hodgkin
holter homan homans horner huntington hurler jackson-pratt janeway kaposi kawasaki kehr kerley
kernig killip klinefelter koebner korotkoff korsakoff krukenberg kussmaul legg-calve-perthes lewy
lhermitte lisfranc lyme maisonneuve mallampati mallory-weiss marfan mcburney meckel meniere menkes
monteggia morgagni murphy neelsen nikolsky nissen osgood osgood-schlatter osler paget pancoast
parkinson parkinsonism patau perthes peyronie phalen pick prader prader-willi quervain raynaud
reiter rett rinne romberg roux rovsing schirmer schlatter sengstaken-blakemore sezary sjogren
sjögren snellen stevens-johnson swan-ganz takayasu tay-sachs tinel tourette trendelenburg trousseau
turner valsalva virchow von-willebrand waldenstrom wegener wernicke whipple willebrand wilms wilson
wolff wolff-parkinson-white zenker ziehl zollinger zollinger-ellison
""")

# Words that make a preceding capitalised token an eponym: "Graves' disease", "Murphy sign".
EPONYM_HEADS: frozenset[str] = _words("""
disease diseases syndrome syndromes sign signs test tests testing maneuver manoeuvre maneuvers
reflex phenomenon palsy lymphoma lymphomas sarcoma tumor tumour thyroiditis esophagus oesophagus
ulcer ulcers node nodes catheter catheters cyst cysts fracture fractures contracture score scores
scale criteria triad law procedure operation repair classification stage staging encephalopathy
dementia chorea ataxia neuralgia neuroma body bodies cell cells canal duct gland glands virus
infection bundle reaction disorder arthritis gangrene meningioma nodules nodule spots spot lines
line stain staining position fundoplication drain drains tube tubes monitor monitoring angina
aneurysm anomaly malformation deformity diverticulum pouch space triangle point murmur breathing
respiration respirations sounds sound mask lamp loop resection anastomosis shunt procedure's
sclerosis scoring questionnaire exam examination index aphasia area tooth marie lesion lesions incision
pupil pupils rod rods wire wires blade blades protein proteins paralysis tear tears wort
""")

UNITS: frozenset[str] = _words("""
mg mcg µg ug g gm gram grams kg lb lbs oz ml cc l dl mmhg bpm mmol meq iu unit units cm mm m km in
ft mm3 mg/dl mg/kg mcg/kg ml/hr ml/h mg/h mcg/min l/min breaths hr hrs min mins sec secs wk wks mo
mos yr yrs yo kcal cal mosm ng pg nmol pmol umol µmol mu miu u/l iu/l g/dl mmol/l meq/l ng/ml pg/ml
mcl puffs puff tab tabs cap caps gtt gtts drop drops amp amps vial vials patch spray sprays
""")

# Clinical abbreviations and acronyms (written upper-case in notes; matched case-insensitively).
ABBREVIATIONS: frozenset[str] = _words("""
a&o aaa abd abg abx ac acei acl acls acs act acth ad adhd adl adls ads afib aflutter aki alp alt ama
aml amp ams ana anc aox3 ap apap ards arf arb art asa asap ascvd ast atn av avm avr bal bid bipap
bka bm bmi bmp bnp bp bph bpm brbpr bs bsa bun bx c/o ca cabg cad cap cbc cbg ccu cea chf ci ckd cll
cml cmp cmv cns co co2 copd cpap cpk cpr cr crp crrt csf ct cta cth cts cva cvc cvp cxr d/c d/w dc
dbp dka dm dm1 dm2 dme dnr dni doa doe dvt dx ebl ebv ecg echo ed eeg egd egfr ekg emg ems ent eos
ercp er esr esrd etoh ett ffp fhr fio2 fna fobt fsh ft4 fu f/u fx gad gbs gcs gerd gfr gi gib gu gyn
h&p hba1c hbv hcg hct hctz hcv hdl hem heme hgb hiv hl hld hpi hpv hr hrt hs hsv htn hx iabp ibd ibs
icd icp icu id ida iddm ig igg im inh inr io ip itp iv ivc ivdu ivf jvd jvp k kub lad lbbb ldh ldl
le lft lfts lll llq lmp lnmp loc lp lpn lue lul luq lv lvef lvh mac map mar mcv mdd mdi mds mi micu
mmse mn mom mrcp mri mrsa ms msk mssa mtx mva n/v na nad nas nc ncs ng ngt nicu niddm nkda nos npo
nsaid nsaids nsr nstemi ntg nyha o2 oa ob ocp od ohs omt or ot otc pa pacu pad pca pcn pcp pcr pd
pda pe peep peg pet pft pfts ph phq pica picc pid plt pmh pmn pna pnd po pocus poa pod ppd ppi pr
prbc prn psa psg pt ptsd ptt pud pvc q qam qd qhs qid qod qxx ra rbbb rbc rf rhc rll rlq rml rn rom
ros rrr rsv rtc rue rul ruq rx s/p sa sab sah sbo sbp sc scd sch sci sdh sga siadh sicu sirs sjs sl
sle snf sob spo2 sq ssri sti stemi std svt sx t4 tab tb tbi tca tee tft tfts tia tid tka tkr tpa tpn
tpo trali tsh tte turp tx u/a ua uc uds uri us uti va vad vap vbg vf vfib vs vt vte wbc wnl xr yo cp
ha f/c abd ct/a pet/ct ffs hpf lpf sats sat ppx dvtppx hep ugib lgib hhs tbsa inj neb nebs ab dst
stim osa ufh a/p tpo rai ana tia ted ada
covid sars hfref hfpef hfmref cauti clabsi vae molst polst dapt ogt ogtt ngt ett ivc svc tavr tavi lvad wort
""")

# Clinical and health-system words that are never names: conditions, anatomy, departments, roles.
CLINICAL_WORDS: frozenset[str] = _words("""
disease syndrome disorder sign palsy lymphoma thyroiditis esophagus infection failure fibrillation
infarction embolism thrombosis accident hyperlipidemia pneumonia apnea asthma diabetes mellitus
ketoacidosis hypothyroidism hyperthyroidism reflux bleed pancreatitis kidney renal urinary tract
migraine seizure anemia deficiency iron depressive depression anxiety generalized major
osteoarthritis arthritis rheumatoid gout cellulitis coronary artery arterial heart congestive atrial
myocardial pulmonary deep vein venous cerebrovascular chronic obstructive community acquired sleep
type acute gastroesophageal gastrointestinal hypertension hypotension cancer carcinoma tumor stroke
sepsis fever cough dyspnea edema nausea vomiting diarrhea constipation headache dizziness syncope
fatigue chest abdomen abdominal pelvis head neck brain lung lungs liver spleen bowel colon stomach
bladder prostate breast thyroid adrenal pituitary skin bone joint knee hip shoulder spine back leg
arm hand foot eye ear nose throat mouth tooth teeth blood urine stool serum plasma insulin regular
unfractionated acid sulfate glargine hemoglobin lipoprotein thyroxine peptide cortisol culture
cultures biopsy ultrasound duplex radiograph radiographs angiography tomography resonance imaging
echocardiogram electrocardiogram electroencephalogram electromyography colonoscopy endoscopy
urinalysis polysomnography ferritin lipase troponin dimer panel count metabolic complete basic
comprehensive function tests test gas questionnaire examination state mental mini stimulation
suppression dexamethasone antibodies peroxidase natriuretic reactive protein sedimentation rate
factor glomerular filtration estimated normalized international emission positron magnetic computed
cardiology neurology pulmonology endocrinology gastroenterology nephrology oncology hematology
psychiatry rheumatology dermatology urology radiology pathology pediatrics orthopedics ophthalmology
otolaryngology gynecology obstetrics anesthesia anesthesiology surgery medicine internal emergency
vascular family primary care critical intensive hospitalist hospice palliative rehab rehabilitation
physical occupational therapy therapist pharmacy pharmacist nursing nurse physician surgeon provider
resident intern attending fellow consultant specialist clinic hospital pcp ortho neuro cards derm
psych pulm onc endo renal uro gyn peds rheum nephro heme ent triage lab labs pain diabetic
""")


def _load_drugs() -> frozenset[str]:
    text = resources.files("privacy.deid").joinpath("data/drugs.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.lstrip().startswith("#"))


DRUGS: frozenset[str] = _load_drugs()

PROTECTED_TERMS: frozenset[str] = EPONYMS | DRUGS | UNITS | ABBREVIATIONS | CLINICAL_WORDS

_SPLIT = re.compile(r"[/-]+")
_POSSESSIVE = re.compile(r"(?:['’]s|s['’]|['’])$", re.IGNORECASE)


@lru_cache(maxsize=65536)
def normalise(token: str) -> str:
    """``token`` lower-cased with a possessive ending removed: ``Parkinson's`` -> ``parkinson``,
    ``Graves'`` -> ``graves``; curly apostrophes count."""
    low = token.lower()
    if "'" in low or "’" in low:
        stripped = _POSSESSIVE.sub("", low)
        if low.endswith(("s'", "s’")) and stripped + "s" in PROTECTED_TERMS:
            return stripped + "s"  # "Graves'" is the eponym "graves", not "grave"
        return stripped
    return low


def is_protected(token: str) -> bool:
    """True when ``token`` is medical vocabulary: an eponym, drug, unit, clinical abbreviation or
    clinical word. Case-insensitive; possessives and hyphenated compounds of protected parts
    (``carbidopa-levodopa``, ``Guillain-Barre``) count."""
    key = normalise(token)
    if key in PROTECTED_TERMS:
        return True
    if " " in key or "\t" in key:  # "CT A/P", "insulin glargine"
        return all(is_protected(part) for part in key.split() if not part.isdigit())
    if "-" not in key and "/" not in key:
        return False
    # "carbidopa-levodopa", "PHQ-9": every non-numeric part is protected.
    parts = [normalise(p) for p in _SPLIT.split(key) if p and not p.isdigit()]
    return bool(parts) and all(p in PROTECTED_TERMS for p in parts)


def is_eponym(token: str) -> bool:
    """True when ``token`` (any case, possessive allowed) is a listed medical eponym."""
    key = normalise(token)
    if key in EPONYMS:
        return True
    return "-" in key and any(p in EPONYMS for p in key.split("-") if p)


# After the token: optional possessive, then a space or hyphen and a head word ("'s disease",
# " sign", "-Barre syndrome"); also a hyphenated second eponym ("Epstein-Barr").
# The word after a token, past a possessive written in either case ("Murphy's sign", "BECK'S TRIAD").
_AFTER = re.compile(r"(?:['’][sS]|[sS]?['’])?(?:[ \t]+|-)([A-Za-z]+)")
_NON_BEFORE = re.compile(r"(?:^|[^A-Za-z])(?:non|Non|NON)[- ]$")
# What the cases of in_eponym_context need next to the token: "non-" or "non " right before it
# ("$" also matches before a final newline, hence "\n"); after it, what _AFTER and the possessive
# and hyphen tests start with.
_NON_ENDS = frozenset("- \n")
_AFTER_STARTS = frozenset("'’sS \t-")


def in_eponym_context(text: str, start: int, end: int) -> bool:
    """True when the capitalised token ``text[start:end]`` is used as a medical eponym here.

    That is the case when it is followed (after an optional possessive) by a head word such as
    *disease*, *syndrome*, *sign*, *palsy*, *lymphoma* or *fracture* ("Graves' disease",
    "Smith fracture", "Murphy's sign"); when it follows "non-" ("non-Hodgkin"); and, for a
    listed eponym, when it stands in a possessive alone ("his Parkinson's is worse") or is
    hyphenated to another eponym ("Epstein-Barr"). A title before the token is not checked
    here: "Dr. Graves" is a name whatever follows, and the name detector decides that first.
    """
    if (start < 4 or text[start - 1] not in _NON_ENDS) and (end >= len(text) or text[end] not in _AFTER_STARTS):
        return False  # most tokens (a name before "." or ","): nothing around them any case below needs
    if start >= 4 and _NON_BEFORE.search(text[max(0, start - 5):start]):
        return True
    follow = _AFTER.match(text, end)
    if follow is not None:
        head = follow.group(1).lower()
        if head in EPONYM_HEADS or head.endswith("s") and head[:-1] in EPONYM_HEADS:
            return True
    token = text[start:end]
    if not is_eponym(token):
        return False
    nxt = text[end:end + 2]
    if nxt[:1] in ("'", "’"):  # possessive eponym alone: "his Parkinson's"
        return True
    return nxt[:1] == "-" and follow is not None and is_eponym(follow.group(1))
