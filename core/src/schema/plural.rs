//! English pluralisation exactly as kro names CRDs: the rules of the `flect` library (v1.0.3),
//! applied to the lowercased kind.
//!
//! The rules are reproduced as data, quirks included: a kind whose lowercase form is a
//! networking acronym flect knows (`Dns`, `Ssh`) is treated as that acronym, so `Ssh` becomes
//! `sshs` (not `sshes`) and `Dns` becomes `dnsDNSes`, a name Kubernetes then rejects — the CRD
//! stage reports that instead of letting the API server refuse it.

/// One dictionary entry: `(singular, plural, alternative plural, flags)`.
struct Word {
    singular: &'static str,
    plural: &'static str,
    alternative: &'static str,
    /// The plural does not map back to this singular.
    unidirectional: bool,
    /// Only the whole word, not as a suffix of a compound word.
    exact: bool,
}

const fn w(singular: &'static str, plural: &'static str) -> Word {
    Word {
        singular,
        plural,
        alternative: "",
        unidirectional: false,
        exact: false,
    }
}

const fn alt(singular: &'static str, plural: &'static str, alternative: &'static str) -> Word {
    Word {
        alternative,
        ..w(singular, plural)
    }
}

const fn uni(singular: &'static str, plural: &'static str) -> Word {
    Word {
        unidirectional: true,
        ..w(singular, plural)
    }
}

const fn exact(singular: &'static str, plural: &'static str) -> Word {
    Word {
        exact: true,
        ..w(singular, plural)
    }
}

/// An uncountable word: its plural is itself.
const fn same(word: &'static str) -> Word {
    w(word, word)
}

/// flect's dictionary, in its order (the order decides which suffix rule wins).
const DICTIONARY: &[Word] = &[
    w("aircraft", "aircraft"),
    alt("beef", "beef", "beefs"),
    w("bison", "bison"),
    uni("blues", "blues"),
    w("chassis", "chassis"),
    w("deer", "deer"),
    alt("fish", "fish", "fishes"),
    w("moose", "moose"),
    w("police", "police"),
    alt("salmon", "salmon", "salmons"),
    w("series", "series"),
    w("sheep", "sheep"),
    alt("shrimp", "shrimp", "shrimps"),
    w("species", "species"),
    alt("swine", "swine", "swines"),
    alt("trout", "trout", "trouts"),
    alt("tuna", "tuna", "tunas"),
    w("you", "you"),
    w("child", "children"),
    exact("ox", "oxen"),
    w("foot", "feet"),
    w("goose", "geese"),
    w("man", "men"),
    w("human", "humans"),
    exact("louse", "lice"),
    w("mouse", "mice"),
    w("tooth", "teeth"),
    w("woman", "women"),
    exact("die", "dice"),
    w("person", "people"),
    alt("adieu", "adieux", "adieus"),
    w("fabliau", "fabliaux"),
    alt("bureau", "bureaus", "bureaux"),
    w("criterion", "criteria"),
    alt("ganglion", "ganglia", "ganglions"),
    alt("lexicon", "lexica", "lexicons"),
    alt("mitochondrion", "mitochondria", "mitochondrions"),
    w("noumenon", "noumena"),
    w("phenomenon", "phenomena"),
    w("taxon", "taxa"),
    w("media", "media"),
    Word {
        alternative: "mediums",
        unidirectional: true,
        ..w("medium", "media")
    },
    alt("stadium", "stadiums", "stadia"),
    alt("aquarium", "aquaria", "aquariums"),
    alt("auditorium", "auditoria", "auditoriums"),
    alt("symposium", "symposia", "symposiums"),
    alt("curriculum", "curriculums", "curricula"),
    w("quota", "quotas"),
    alt("alumnus", "alumni", "alumnuses"),
    w("bacillus", "bacilli"),
    alt("cactus", "cacti", "cactuses"),
    w("coccus", "cocci"),
    alt("focus", "foci", "focuses"),
    alt("locus", "loci", "locuses"),
    alt("nucleus", "nuclei", "nucleuses"),
    alt("octopus", "octupuses", "octopi"),
    alt("radius", "radii", "radiuses"),
    w("syllabus", "syllabi"),
    alt("corpus", "corpora", "corpuses"),
    w("genus", "genera"),
    w("alumna", "alumnae"),
    w("vertebra", "vertebrae"),
    w("differentia", "differentiae"),
    w("minutia", "minutiae"),
    w("vita", "vitae"),
    w("larva", "larvae"),
    w("postcava", "postcavae"),
    w("praecava", "praecavae"),
    w("uva", "uvae"),
    alt("apex", "apices", "apexes"),
    alt("codex", "codices", "codexes"),
    alt("index", "indices", "indexes"),
    alt("latex", "latices", "latexes"),
    alt("vertex", "vertices", "vertexes"),
    alt("vortex", "vortices", "vortexes"),
    alt("appendix", "appendices", "appendixes"),
    alt("radix", "radices", "radixes"),
    alt("helix", "helices", "helixes"),
    exact("axis", "axes"),
    w("crisis", "crises"),
    uni("ellipsis", "ellipses"),
    w("genesis", "geneses"),
    w("oasis", "oases"),
    w("thesis", "theses"),
    w("testis", "testes"),
    w("base", "bases"),
    uni("basis", "bases"),
    exact("alias", "aliases"),
    w("vedalia", "vedalias"),
    exact("use", "uses"),
    w("abuse", "abuses"),
    w("cause", "causes"),
    w("clause", "clauses"),
    w("cruse", "cruses"),
    w("excuse", "excuses"),
    w("fuse", "fuses"),
    w("house", "houses"),
    w("misuse", "misuses"),
    w("muse", "muses"),
    w("pause", "pauses"),
    w("ache", "aches"),
    w("topaz", "topazes"),
    alt("buffalo", "buffaloes", "buffalos"),
    w("potato", "potatoes"),
    w("tomato", "tomatoes"),
    same("equipment"),
    same("information"),
    same("jeans"),
    same("money"),
    same("news"),
    same("rice"),
    alt("dwarf", "dwarfs", "dwarves"),
    alt("hoof", "hoofs", "hooves"),
    w("thief", "thieves"),
    w("chive", "chives"),
    w("hive", "hives"),
    w("move", "moves"),
    w("movie", "movies"),
    w("cookie", "cookies"),
    w("pretorium", "pretoriums"),
    w("agenda", "agendas"),
    alt("formula", "formulas", "formulae"),
    w("shoe", "shoes"),
    exact("toe", "toes"),
    w("graffiti", "graffiti"),
    exact("ID", "IDs"),
];

/// flect's suffix rules `(singular suffix, plural suffix)`, highest priority first.
const SUFFIXES: &[(&str, &str)] = &[
    ("tive", "tives"),
    ("eaf", "eaves"),
    ("oaf", "oaves"),
    ("afe", "aves"),
    ("arf", "arves"),
    ("rfe", "rves"),
    ("rf", "rves"),
    ("lf", "lves"),
    ("fe", "ves"),
    ("ay", "ays"),
    ("ey", "eys"),
    ("oy", "oys"),
    ("quy", "quies"),
    ("uy", "uys"),
    ("y", "ies"),
    ("eau", "eaux"),
    ("bula", "bulae"),
    ("dula", "bulae"),
    ("lula", "bulae"),
    ("nula", "bulae"),
    ("vula", "bulae"),
    ("hedron", "hedra"),
    ("ium", "ia"),
    ("seum", "seums"),
    ("eum", "ea"),
    ("oum", "oa"),
    ("stracum", "straca"),
    ("dum", "da"),
    ("elum", "ela"),
    ("ilum", "ila"),
    ("olum", "ola"),
    ("ulum", "ula"),
    ("llum", "lla"),
    ("ylum", "yla"),
    ("imum", "ima"),
    ("ernum", "erna"),
    ("gnum", "gna"),
    ("brum", "bra"),
    ("crum", "cra"),
    ("terum", "tera"),
    ("serum", "sera"),
    ("trum", "tra"),
    ("antum", "anta"),
    ("atum", "ata"),
    ("entum", "enta"),
    ("etum", "eta"),
    ("itum", "ita"),
    ("otum", "ota"),
    ("utum", "uta"),
    ("ctum", "cta"),
    ("ovum", "ova"),
    ("trix", "trices"),
    ("iasis", "iases"),
    ("mesis", "meses"),
    ("kinesis", "kineses"),
    ("resis", "reses"),
    ("gnosis", "gnoses"),
    ("opsis", "opses"),
    ("ysis", "yses"),
    ("ouse", "ouses"),
    ("lause", "lauses"),
    ("us", "uses"),
    ("ch", "ches"),
    ("io", "ios"),
    ("sh", "shes"),
    ("ss", "sses"),
    ("ez", "ezzes"),
    ("iz", "izzes"),
    ("tz", "tzes"),
    ("zz", "zzes"),
    ("ano", "anos"),
    ("lo", "los"),
    ("to", "tos"),
    ("oo", "oos"),
    ("o", "oes"),
    ("x", "xes"),
    ("S", "Ses"),
];

/// flect's acronyms: a word equal to one of these (ignoring case) is handled in upper case.
const ACRONYMS: &[&str] = &[
    "OK", "UTF8", "HTML", "JSON", "JWT", "ID", "UUID", "SQL", "ACK", "ACL", "ADSL", "AES", "ANSI",
    "API", "ARP", "ATM", "BGP", "BSS", "CCITT", "CHAP", "CIDR", "CIR", "CLI", "CPE", "CPU", "CRC",
    "CRT", "CSMA", "CMOS", "DCE", "DEC", "DES", "DHCP", "DNS", "DRAM", "DSL", "DSLAM", "DTE",
    "DMI", "EHA", "EIA", "EIGRP", "EOF", "ESS", "FCC", "FCS", "FDDI", "FTP", "GBIC", "GEPOF",
    "HDLC", "HTTP", "HTTPS", "IANA", "ICMP", "IDF", "IDS", "IEEE", "IETF", "IMAP", "IP", "IPS",
    "ISDN", "ISP", "LACP", "LAN", "LAPB", "LAPF", "LLC", "MAC", "MC", "MDF", "MIB", "MPLS", "MTU",
    "NAC", "NAT", "NBMA", "NIC", "NRZ", "NRZI", "NVRAM", "OSI", "OSPF", "OUI", "PAP", "PAT", "PC",
    "PIM", "PCM", "PDU", "POP3", "POTS", "PPP", "PPTP", "PTT", "PVST", "RAM", "RARP", "RFC", "RIP",
    "RLL", "ROM", "RSTP", "RTP", "RCP", "SDLC", "SFD", "SFP", "SLARP", "SLIP", "SMTP", "SNA",
    "SNAP", "SNMP", "SOF", "SRAM", "SSH", "SSID", "STP", "SYN", "TDM", "TFTP", "TIA", "TOFU",
    "UDP", "URL", "URI", "USB", "UTP", "VC", "VLAN", "VLSM", "VPN", "W3C", "WAN", "WEP", "WPA",
    "WWW",
];

/// A suffix rule: words ending in `suffix` become `replacement` (or stay as they are when
/// `replacement` is `None`: the word already ends in a plural suffix).
struct Rule {
    suffix: &'static str,
    replacement: Option<&'static str>,
}

/// The rules in flect's priority order: the dictionary's words (last first) before the suffix
/// list, each rule preceded by a rule that leaves its plural form alone.
fn rules() -> impl Iterator<Item = Rule> {
    let pair = |(singular, plural): (&'static str, &'static str)| {
        [
            Rule {
                suffix: plural,
                replacement: None,
            },
            Rule {
                suffix: singular,
                replacement: Some(plural),
            },
        ]
    };
    DICTIONARY
        .iter()
        .rev()
        .filter(|w| !w.exact)
        .flat_map(move |w| pair((w.singular, w.plural)))
        .chain(SUFFIXES.iter().flat_map(move |&s| pair(s)))
}

fn single_to_plural(word: &str) -> Option<&'static str> {
    DICTIONARY
        .iter()
        .find(|w| w.singular == word)
        .map(|w| w.plural)
}

fn is_known_plural(word: &str) -> bool {
    DICTIONARY
        .iter()
        .any(|w| !w.unidirectional && (w.plural == word || w.alternative == word))
}

/// The plural flect gives `word`, for a single word of ASCII letters and digits (what a kind
/// lowercases to). kro calls it as `pluralize(&kind.to_lowercase())`.
pub fn pluralize(word: &str) -> String {
    let original = word.trim();
    if original.is_empty() {
        return String::new();
    }
    if let Some(plural) = single_to_plural(original) {
        return plural.to_owned();
    }
    if is_known_plural(original) {
        return original.to_owned();
    }
    // flect splits the word into parts; a single word that is an acronym is upper-cased.
    let upper = original.to_ascii_uppercase();
    let last = if ACRONYMS.contains(&upper.as_str()) {
        upper
    } else {
        original.to_owned()
    };
    let lower = last.to_ascii_lowercase();
    if is_known_plural(&lower) {
        return original.to_owned();
    }
    // The replacement is spliced in place of `last` only when the original ends with it as
    // written; for an upper-cased acronym it does not, so flect appends instead.
    let splice = |replacement: String| -> String {
        let stem = original.strip_suffix(last.as_str()).unwrap_or(original);
        format!("{stem}{replacement}")
    };
    if let Some(plural) = single_to_plural(&lower) {
        let capitalized = capitalize(&last) == last;
        let plural = if capitalized {
            capitalize(plural)
        } else {
            plural.to_owned()
        };
        return splice(plural);
    }
    for rule in rules() {
        if last.ends_with(rule.suffix) {
            return match rule.replacement {
                None => splice(last.clone()),
                Some(replacement) => {
                    let stem = &last[..last.len() - rule.suffix.len()];
                    splice(format!("{stem}{replacement}"))
                }
            };
        }
    }
    if lower.ends_with('s') {
        return original.to_owned();
    }
    format!("{original}s")
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::pluralize;

    /// Expectations from flect's own test table (lowercased, as kro passes kinds).
    #[test]
    fn matches_flect() {
        let cases = [
            ("car", "cars"),
            ("boy", "boys"),
            ("axis", "axes"),
            ("child", "children"),
            ("salesperson", "salespeople"),
            ("equipment", "equipment"),
            ("box", "boxes"),
            ("mouse", "mice"),
            ("spokesman", "spokesmen"),
            ("calf", "calves"),
            ("dwarf", "dwarfs"),
            ("knife", "knives"),
            ("safe", "saves"),
            ("chief", "chiefs"),
            ("perspective", "perspectives"),
            ("hobby", "hobbies"),
            ("abbey", "abbeys"),
            ("obsequy", "obsequies"),
            ("proxy", "proxies"),
            ("tableau", "tableaux"),
            ("bureau", "bureaus"),
            ("tetrahedron", "tetrahedra"),
            ("stadium", "stadiums"),
            ("bacterium", "bacteria"),
            ("coliseum", "coliseums"),
            ("datum", "data"),
            ("maximum", "maxima"),
            ("platinum", "platinums"),
            ("nebula", "nebulae"),
            ("antenna", "antennas"),
            ("multimedia", "multimedia"),
            ("headache", "headaches"),
            ("status", "statuses"),
            ("prometheus", "prometheuses"),
            ("spouse", "spouses"),
            ("quiz", "quizzes"),
            ("waltz", "waltzes"),
            ("address", "addresses"),
            ("database", "databases"),
            ("piano", "pianos"),
            ("hello", "hellos"),
            ("buffalo", "buffaloes"),
            ("photo", "photos"),
            ("zoo", "zoos"),
            ("appendix", "appendices"),
            ("index", "indices"),
            ("complex", "complexes"),
            ("matrix", "matrices"),
            ("service", "services"),
            ("analysis", "analyses"),
            ("diagnosis", "diagnoses"),
            ("psi", "psis"),
            ("api", "apis"),
            ("html", "htmls"),
            ("ssh", "sshs"),
            ("eia", "eias"),
            ("policy", "policies"),
            ("webapp", "webapps"),
            ("clusterpolicy", "clusterpolicies"),
            ("webapplication", "webapplications"),
            ("ingress", "ingresses"),
            ("gateway", "gateways"),
            ("cronjob", "cronjobs"),
        ];
        for (singular, plural) in cases {
            assert_eq!(pluralize(singular), plural, "pluralize({singular})");
            assert_eq!(pluralize(plural), plural, "pluralize({plural})");
        }
    }

    #[test]
    fn acronyms_ending_in_s_keep_flects_quirk() {
        assert_eq!(pluralize("dns"), "dnsDNSes");
        assert_eq!(pluralize("ids"), "idsIDSes");
        assert_eq!(pluralize("id"), "ids");
        assert_eq!(pluralize(""), "");
    }
}
