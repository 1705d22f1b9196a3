//! Starter lists of third parties (names and kinds only): the bodies a
//! constituency office in the UK or Canada writes to most. An office adds
//! one from the agencies page, then adds addresses, contacts and its own.

/// A starter list.
pub struct Starter {
    pub key: &'static str,
    pub label: &'static str,
    /// The level of government its bodies are at.
    pub level: &'static str,
    /// (name, kind)
    pub agencies: &'static [(&'static str, &'static str)],
}

pub const STARTERS: &[Starter] = &[
    Starter {
        key: "uk-national",
        label: "United Kingdom: UK government departments and agencies",
        level: "federal",
        agencies: &[
            ("Home Office", "department"),
            ("UK Visas and Immigration", "agency"),
            ("HM Passport Office", "agency"),
            ("HM Revenue and Customs", "department"),
            ("Department for Work and Pensions", "department"),
            ("Child Maintenance Service", "agency"),
            ("Driver and Vehicle Licensing Agency", "agency"),
            ("Department of Health and Social Care", "department"),
            ("Department for Education", "department"),
            (
                "Ministry of Housing, Communities and Local Government",
                "ministry",
            ),
            ("Ministry of Justice", "ministry"),
            ("HM Courts and Tribunals Service", "agency"),
            ("Foreign, Commonwealth and Development Office", "department"),
            ("Ministry of Defence", "ministry"),
            (
                "Office of the Secretary of State for the Home Department",
                "minister",
            ),
            (
                "Office of the Secretary of State for Work and Pensions",
                "minister",
            ),
            ("Parliamentary and Health Service Ombudsman", "agency"),
            ("Financial Ombudsman Service", "agency"),
        ],
    },
    Starter {
        key: "uk-devolved",
        label: "United Kingdom: devolved governments and their bodies",
        level: "provincial",
        agencies: &[
            ("Scottish Government", "department"),
            ("Social Security Scotland", "agency"),
            ("Welsh Government", "department"),
            ("Northern Ireland Executive", "department"),
            (
                "Department for Communities (Northern Ireland)",
                "department",
            ),
            ("NHS Scotland", "health"),
            ("NHS Wales", "health"),
            ("Scottish Public Services Ombudsman", "agency"),
            ("Public Services Ombudsman for Wales", "agency"),
        ],
    },
    Starter {
        key: "ca-federal",
        label: "Canada: federal departments and agencies",
        level: "federal",
        agencies: &[
            ("Immigration, Refugees and Citizenship Canada", "department"),
            ("Canada Revenue Agency", "agency"),
            ("Service Canada", "agency"),
            ("Employment and Social Development Canada", "department"),
            ("Passport Program (Service Canada)", "agency"),
            ("Veterans Affairs Canada", "department"),
            ("Canada Border Services Agency", "agency"),
            ("Indigenous Services Canada", "department"),
            ("Health Canada", "department"),
            ("Global Affairs Canada", "department"),
            ("Canada Mortgage and Housing Corporation", "agency"),
            (
                "Office of the Minister of Immigration, Refugees and Citizenship",
                "minister",
            ),
            ("Office of the Minister of National Revenue", "minister"),
            ("Office of the Taxpayers' Ombudsperson", "agency"),
        ],
    },
    Starter {
        key: "ca-ontario",
        label: "Canada: Ontario ministries and agencies",
        level: "provincial",
        agencies: &[
            ("ServiceOntario", "agency"),
            ("Ontario Disability Support Program", "agency"),
            ("Ontario Works", "agency"),
            ("Ministry of Health (Ontario)", "ministry"),
            ("Ontario Health Insurance Plan", "agency"),
            (
                "Ministry of Children, Community and Social Services",
                "ministry",
            ),
            ("Ministry of Municipal Affairs and Housing", "ministry"),
            ("Landlord and Tenant Board", "agency"),
            ("Family Responsibility Office", "agency"),
            ("Workplace Safety and Insurance Board", "agency"),
            ("Ministry of Transportation (Ontario)", "ministry"),
            ("Ombudsman Ontario", "agency"),
        ],
    },
];

#[cfg(test)]
mod tests {
    #[test]
    fn starter_lists_have_unique_names_and_known_kinds() {
        for s in super::STARTERS {
            let mut seen = std::collections::HashSet::new();
            for (name, kind) in s.agencies {
                assert!(seen.insert(casework_domain::tags::fold(name)), "{name}");
                assert!(
                    crate::agencies::KINDS.iter().any(|(k, _)| k == kind),
                    "{kind}"
                );
            }
            assert!(crate::agencies::LEVELS.iter().any(|(l, _)| *l == s.level));
        }
    }
}
