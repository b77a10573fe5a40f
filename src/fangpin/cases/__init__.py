"""Cases (识别认定, 风险消除): the audited procedures that put a household under monitoring and take it out."""
