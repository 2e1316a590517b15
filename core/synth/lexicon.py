"""Clinical vocabulary for the synthetic corpus: conditions, symptoms, investigations and
medications, each with the abbreviation a note uses and the expansion a summary uses.

The tables are plain module-level tuples of frozen dataclasses (see :mod:`core.synth.terms`)
so that other code (the evaluation's fidelity checks, for instance) can reuse them. Nothing
here is PHI: eponymous conditions such as "Parkinson's disease" are medical vocabulary.
"""

from __future__ import annotations

from core.synth.terms import Condition, Investigation, Medication, Symptom, Term

__all__ = [
    "Condition", "Investigation", "Medication", "Symptom", "Term",
    "CONDITIONS", "EPONYM_CONDITIONS", "EPONYM_SURNAMES", "INVESTIGATIONS", "MEDICATIONS", "SYMPTOMS",
    "condition", "investigation", "medication", "symptom",
]


def _s(abbrev: str | None, expansion: str) -> Symptom:
    return Symptom(abbrev, expansion)


SYMPTOMS: tuple[Symptom, ...] = (
    _s("SOB", "shortness of breath"), _s("CP", "chest pain"), _s("N/V", "nausea and vomiting"),
    _s("DOE", "dyspnea on exertion"), _s("HA", "headache"), _s("F/C", "fevers and chills"),
    _s("PND", "paroxysmal nocturnal dyspnea"), _s("LE edema", "lower extremity edema"),
    _s("BRBPR", "bright red blood per rectum"), _s("AMS", "altered mental status"),
    _s("LOC", "loss of consciousness"), _s("abd pain", "abdominal pain"), _s(None, "palpitations"),
    _s(None, "wheezing"), _s(None, "productive cough"), _s(None, "fatigue"), _s(None, "dizziness"),
    _s(None, "diaphoresis"), _s(None, "hemoptysis"), _s(None, "dysuria"), _s(None, "urinary frequency"),
    _s(None, "polyuria"), _s(None, "polydipsia"), _s(None, "weight loss"), _s(None, "weight gain"),
    _s(None, "resting tremor"), _s(None, "gait instability"), _s(None, "memory loss"), _s(None, "confusion"),
    _s(None, "facial droop"), _s(None, "slurred speech"), _s(None, "unilateral weakness"), _s(None, "heartburn"),
    _s(None, "dysphagia"), _s(None, "diarrhea"), _s(None, "melena"), _s(None, "night sweats"),
    _s(None, "lymphadenopathy"), _s(None, "low mood"), _s(None, "insomnia"), _s(None, "joint pain"),
    _s(None, "morning stiffness"), _s(None, "photophobia"), _s(None, "daytime somnolence"),
    _s(None, "cold intolerance"), _s(None, "easy bruising"), _s(None, "ear pain"), _s(None, "excessive worry"),
    _s(None, "skin erythema"), _s(None, "leg swelling"), _s(None, "orthopnea"), _s(None, "pleuritic pain"),
)


def _i(abbrev: str | None, expansion: str) -> Investigation:
    return Investigation(abbrev, expansion)


INVESTIGATIONS: tuple[Investigation, ...] = (
    _i("ECG", "electrocardiogram"), _i("LDL", "low-density lipoprotein"), _i("BP", "blood pressure monitoring"),
    _i("CBC", "complete blood count"), _i("BMP", "basic metabolic panel"), _i("CMP", "comprehensive metabolic panel"),
    _i("HbA1c", "hemoglobin A1c"), _i("CXR", "chest X-ray"), _i("echo", "echocardiogram"),
    _i("TSH", "thyroid-stimulating hormone"), _i("FT4", "free thyroxine"), _i("BNP", "B-type natriuretic peptide"),
    _i("INR", "international normalized ratio"), _i(None, "troponin"), _i(None, "D-dimer"),
    _i("CTA", "computed tomography angiography"), _i("CT head", "computed tomography of the head"),
    _i("MRI brain", "magnetic resonance imaging of the brain"), _i("LE duplex", "lower extremity duplex ultrasound"),
    _i("UA", "urinalysis"), _i(None, "urine culture"), _i("PFTs", "pulmonary function tests"),
    _i("ABG", "arterial blood gas"), _i("EGD", "esophagogastroduodenoscopy"), _i(None, "colonoscopy"),
    _i("CRP", "C-reactive protein"), _i("ESR", "erythrocyte sedimentation rate"), _i("RF", "rheumatoid factor"),
    _i("PET/CT", "positron emission tomography with CT"), _i("EEG", "electroencephalogram"),
    _i("eGFR", "estimated glomerular filtration rate"), _i("LFTs", "liver function tests"),
    _i("PSG", "polysomnography"), _i(None, "ferritin"), _i(None, "uric acid"), _i(None, "lipase"),
    _i(None, "AM cortisol"), _i("ACTH stim", "adrenocorticotropic hormone stimulation test"),
    _i("MMSE", "Mini-Mental State Examination"), _i("PHQ-9", "nine-item depression questionnaire"),
    _i(None, "blood cultures"), _i("XR", "plain radiographs"), _i("TPO Ab", "thyroid peroxidase antibodies"),
    _i("DST", "dexamethasone suppression test"), _i(None, "lymph node biopsy"),
    _i("CT A/P", "CT of the abdomen and pelvis"),
    _i("EMG", "electromyography"), _i("GAD-7", "seven-item anxiety questionnaire"),
)

_SIGS: dict[str, str] = {
    "daily": "daily", "PO daily": "by mouth daily", "BID": "twice daily", "PO BID": "by mouth twice daily",
    "TID": "three times daily", "QID": "four times daily", "QHS": "at bedtime", "qAM": "every morning",
    "SL PRN CP": "sublingually as needed for chest pain", "q6h PRN": "every 6 hours as needed",
    "q8h PRN N/V": "every 8 hours as needed for nausea", "inh q4-6h PRN": "inhaled every 4 to 6 hours as needed",
    "inh daily": "inhaled daily", "inh BID": "inhaled twice daily", "SC QHS": "subcutaneously at bedtime",
    "SC BID": "subcutaneously twice daily", "SC TID": "subcutaneously three times daily",
    "IV q24h": "intravenously every 24 hours", "IV q8wk": "intravenously every 8 weeks", "weekly": "once weekly",
    "PRN HA": "as needed for headache", "IV gtt": "as an intravenous infusion",
}


def _m(abbrev: str | None, generic: str, dose: str, sig: str) -> Medication:
    return Medication(abbrev, generic, dose, sig, _SIGS[sig])


MEDICATIONS: tuple[Medication, ...] = (
    _m("ASA", "aspirin", "81 mg", "daily"), _m("NTG", "nitroglycerin", "0.4 mg", "SL PRN CP"),
    _m(None, "atorvastatin", "40 mg", "QHS"), _m(None, "rosuvastatin", "20 mg", "daily"),
    _m(None, "metoprolol", "25 mg", "PO BID"), _m(None, "lisinopril", "10 mg", "PO daily"),
    _m(None, "amlodipine", "5 mg", "daily"), _m("HCTZ", "hydrochlorothiazide", "25 mg", "daily"),
    _m(None, "losartan", "50 mg", "daily"), _m(None, "furosemide", "40 mg", "PO BID"),
    _m(None, "carvedilol", "12.5 mg", "BID"), _m(None, "spironolactone", "25 mg", "daily"),
    _m(None, "apixaban", "5 mg", "BID"), _m(None, "rivaroxaban", "20 mg", "daily"),
    _m(None, "warfarin", "5 mg", "daily"), _m(None, "diltiazem", "120 mg", "daily"),
    _m(None, "clopidogrel", "75 mg", "daily"), _m("UFH", "unfractionated heparin", "5000 units", "SC TID"),
    _m(None, "enoxaparin", "1 mg/kg", "SC BID"), _m(None, "albuterol", "2 puffs", "inh q4-6h PRN"),
    _m(None, "tiotropium", "18 mcg", "inh daily"), _m(None, "fluticasone", "110 mcg", "inh BID"),
    _m(None, "montelukast", "10 mg", "QHS"), _m(None, "prednisone", "40 mg", "daily"),
    _m(None, "azithromycin", "500 mg", "daily"), _m(None, "ceftriaxone", "1 g", "IV q24h"),
    _m(None, "metformin", "500 mg", "PO BID"), _m(None, "insulin glargine", "10 units", "SC QHS"),
    _m(None, "empagliflozin", "10 mg", "daily"), _m(None, "regular insulin", "0.1 units/kg/h", "IV gtt"),
    _m(None, "levothyroxine", "50 mcg", "qAM"), _m(None, "methimazole", "10 mg", "daily"),
    _m(None, "propranolol", "20 mg", "BID"), _m(None, "hydrocortisone", "15 mg", "qAM"),
    _m(None, "fludrocortisone", "0.1 mg", "daily"), _m(None, "ketoconazole", "200 mg", "BID"),
    _m("PPI", "omeprazole", "20 mg", "daily"), _m(None, "pantoprazole", "40 mg", "PO BID"),
    _m(None, "mesalamine", "1.2 g", "TID"), _m(None, "infliximab", "5 mg/kg", "IV q8wk"),
    _m(None, "ondansetron", "4 mg", "q8h PRN N/V"), _m("APAP", "acetaminophen", "650 mg", "q6h PRN"),
    _m(None, "meloxicam", "15 mg", "daily"), _m("MTX", "methotrexate", "15 mg", "weekly"),
    _m(None, "folic acid", "1 mg", "daily"), _m(None, "colchicine", "0.6 mg", "BID"),
    _m(None, "allopurinol", "300 mg", "daily"), _m(None, "carbidopa-levodopa", "25/250 mg", "TID"),
    _m(None, "donepezil", "10 mg", "QHS"), _m(None, "memantine", "10 mg", "BID"),
    _m(None, "valacyclovir", "1 g", "TID"), _m(None, "sumatriptan", "50 mg", "PRN HA"),
    _m(None, "topiramate", "25 mg", "BID"), _m(None, "levetiracetam", "500 mg", "BID"),
    _m(None, "sertraline", "50 mg", "daily"), _m(None, "escitalopram", "10 mg", "daily"),
    _m(None, "buspirone", "15 mg", "BID"), _m(None, "ferrous sulfate", "325 mg", "daily"),
    _m(None, "nitrofurantoin", "50 mg", "QID"), _m(None, "ciprofloxacin", "500 mg", "BID"),
    _m(None, "cephalexin", "500 mg", "QID"), _m(None, "sevelamer", "800 mg", "TID"),
    _m(None, "modafinil", "200 mg", "qAM"),
)


def _c(
    abbrev: str | None, name: str, dept: str, sx: str, tests: str, meds: str, eponym: str | None = None
) -> Condition:
    split = lambda s: tuple(p.strip() for p in s.split(";"))  # noqa: E731
    return Condition(abbrev, name, dept, split(sx), split(tests), split(meds), eponym)


CONDITIONS: tuple[Condition, ...] = (
    _c("CAD", "coronary artery disease", "Cardiology", "CP; SOB; DOE", "ECG; LDL; troponin; echo",
       "ASA; NTG; atorvastatin; metoprolol"),
    _c("HTN", "hypertension", "Internal Medicine", "HA; dizziness", "BP; BMP",
       "lisinopril; amlodipine; HCTZ; losartan"),
    _c("CHF", "congestive heart failure", "Cardiology", "SOB; DOE; orthopnea; LE edema; PND", "BNP; echo; CXR; BMP",
       "furosemide; carvedilol; lisinopril; spironolactone"),
    _c("AFib", "atrial fibrillation", "Cardiology", "palpitations; dizziness; SOB", "ECG; TSH; echo; INR",
       "apixaban; metoprolol; diltiazem; warfarin"),
    _c("MI", "myocardial infarction", "Cardiology", "CP; diaphoresis; N/V; SOB", "ECG; troponin; echo",
       "ASA; clopidogrel; atorvastatin; metoprolol; NTG"),
    _c("PE", "pulmonary embolism", "Emergency Medicine", "SOB; pleuritic pain; hemoptysis", "CTA; D-dimer; ECG",
       "apixaban; UFH; rivaroxaban"),
    _c("DVT", "deep vein thrombosis", "Vascular Medicine", "leg swelling; LE edema", "LE duplex; D-dimer",
       "apixaban; rivaroxaban; enoxaparin"),
    _c("CVA", "cerebrovascular accident", "Neurology", "facial droop; slurred speech; unilateral weakness",
       "CT head; MRI brain; ECG", "ASA; clopidogrel; atorvastatin"),
    _c("HLD", "hyperlipidemia", "Internal Medicine", "fatigue", "LDL; LFTs", "atorvastatin; rosuvastatin"),
    _c("COPD", "chronic obstructive pulmonary disease", "Pulmonology", "SOB; productive cough; wheezing",
       "PFTs; CXR; ABG", "albuterol; tiotropium; prednisone"),
    _c("CAP", "community-acquired pneumonia", "Internal Medicine", "productive cough; F/C; SOB",
       "CXR; CBC; blood cultures", "azithromycin; ceftriaxone"),
    _c("OSA", "obstructive sleep apnea", "Pulmonology", "daytime somnolence; fatigue; HA", "PSG", "modafinil"),
    _c(None, "asthma", "Pulmonology", "wheezing; productive cough; SOB", "PFTs; CXR",
       "albuterol; fluticasone; montelukast"),
    _c("DM2", "type 2 diabetes mellitus", "Endocrinology", "polyuria; polydipsia; fatigue", "HbA1c; BMP; UA",
       "metformin; insulin glargine; empagliflozin"),
    _c("DKA", "diabetic ketoacidosis", "Endocrinology", "N/V; abd pain; polyuria; AMS", "BMP; ABG; UA",
       "regular insulin; ondansetron"),
    _c(None, "hypothyroidism", "Endocrinology", "fatigue; weight gain; cold intolerance", "TSH; FT4", "levothyroxine"),
    _c(None, "Graves' disease", "Endocrinology", "palpitations; weight loss; resting tremor", "TSH; FT4",
       "methimazole; propranolol", "Graves"),
    _c(None, "Hashimoto's thyroiditis", "Endocrinology", "fatigue; weight gain; cold intolerance", "TSH; TPO Ab",
       "levothyroxine", "Hashimoto"),
    _c(None, "Cushing's syndrome", "Endocrinology", "weight gain; easy bruising; HA", "DST; AM cortisol; BMP",
       "ketoconazole", "Cushing"),
    _c(None, "Addison's disease", "Endocrinology", "fatigue; weight loss; dizziness", "AM cortisol; ACTH stim; BMP",
       "hydrocortisone; fludrocortisone", "Addison"),
    _c("GERD", "gastroesophageal reflux disease", "Gastroenterology", "heartburn; dysphagia; CP", "EGD",
       "PPI; pantoprazole"),
    _c(None, "Barrett's esophagus", "Gastroenterology", "heartburn; dysphagia", "EGD", "PPI; pantoprazole", "Barrett"),
    _c(None, "Crohn's disease", "Gastroenterology", "abd pain; diarrhea; weight loss", "colonoscopy; CRP; CT A/P",
       "mesalamine; prednisone; infliximab", "Crohn"),
    _c("GIB", "gastrointestinal bleed", "Gastroenterology", "BRBPR; melena; dizziness", "CBC; EGD; colonoscopy",
       "pantoprazole"),
    _c(None, "acute pancreatitis", "Gastroenterology", "abd pain; N/V", "lipase; CT A/P; LFTs", "ondansetron; APAP"),
    _c("CKD", "chronic kidney disease", "Nephrology", "fatigue; LE edema", "BMP; eGFR; UA",
       "losartan; furosemide; sevelamer"),
    _c("UTI", "urinary tract infection", "Internal Medicine", "dysuria; urinary frequency; F/C", "UA; urine culture",
       "nitrofurantoin; ciprofloxacin; cephalexin"),
    _c("PD", "Parkinson's disease", "Neurology", "resting tremor; gait instability", "MRI brain", "carbidopa-levodopa",
       "Parkinson"),
    _c("AD", "Alzheimer's disease", "Neurology", "memory loss; confusion", "MMSE; MRI brain", "donepezil; memantine",
       "Alzheimer"),
    _c(None, "Bell's palsy", "Neurology", "facial droop; ear pain", "EMG; CBC", "prednisone; valacyclovir", "Bell"),
    _c(None, "migraine", "Neurology", "HA; N/V; photophobia", "MRI brain", "sumatriptan; topiramate"),
    _c(None, "seizure disorder", "Neurology", "LOC; confusion", "EEG; MRI brain", "levetiracetam"),
    _c("HL", "Hodgkin lymphoma", "Oncology", "night sweats; weight loss; lymphadenopathy",
       "PET/CT; CBC; lymph node biopsy", "ondansetron; allopurinol", "Hodgkin"),
    _c("IDA", "iron deficiency anemia", "Hematology", "fatigue; DOE; dizziness", "CBC; ferritin", "ferrous sulfate"),
    _c("MDD", "major depressive disorder", "Psychiatry", "low mood; insomnia; fatigue", "PHQ-9; TSH",
       "sertraline; escitalopram"),
    _c("GAD", "generalized anxiety disorder", "Psychiatry", "excessive worry; palpitations; insomnia", "GAD-7; TSH",
       "escitalopram; buspirone"),
    _c("OA", "osteoarthritis", "Rheumatology", "joint pain; morning stiffness", "XR", "APAP; meloxicam"),
    _c("RA", "rheumatoid arthritis", "Rheumatology", "joint pain; morning stiffness; fatigue", "RF; CRP; ESR",
       "MTX; folic acid; prednisone"),
    _c(None, "gout", "Rheumatology", "joint pain; skin erythema", "uric acid; CRP", "colchicine; allopurinol"),
    _c(None, "cellulitis", "Internal Medicine", "skin erythema; leg swelling; F/C", "CBC; blood cultures",
       "cephalexin"),
)

EPONYM_CONDITIONS: tuple[Condition, ...] = tuple(c for c in CONDITIONS if c.eponym)
EPONYM_SURNAMES: tuple[str, ...] = tuple(c.eponym for c in EPONYM_CONDITIONS if c.eponym)

_SYMPTOM_BY_KEY = {s.key: s for s in SYMPTOMS}
_INVESTIGATION_BY_KEY = {t.key: t for t in INVESTIGATIONS}
_MEDICATION_BY_KEY = {m.key: m for m in MEDICATIONS}
_CONDITION_BY_KEY = {c.key: c for c in CONDITIONS}


def symptom(key: str) -> Symptom:
    """The symptom with this key (abbreviation or expansion); KeyError if unknown."""
    return _SYMPTOM_BY_KEY[key]


def investigation(key: str) -> Investigation:
    """The investigation with this key (abbreviation or expansion); KeyError if unknown."""
    return _INVESTIGATION_BY_KEY[key]


def medication(key: str) -> Medication:
    """The medication with this key (abbreviation or generic name); KeyError if unknown."""
    return _MEDICATION_BY_KEY[key]


def condition(key: str) -> Condition:
    """The condition with this key (abbreviation or name); KeyError if unknown."""
    return _CONDITION_BY_KEY[key]
