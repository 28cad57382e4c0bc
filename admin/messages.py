"""Words that reach the console from data rather than from templates: codes stored in rows and
the messages of domain errors. Listed here so the catalogue carries their translations."""

from __future__ import annotations

from admin.pages import N_

CODES = (
    # repayment methods and prepayment modes
    N_("DAILY_INTEREST"), N_("EQUAL_INSTALLMENT"), N_("EQUAL_PRINCIPAL"),
    N_("SHORTEN_TERM"), N_("LOWER_INSTALLMENT"),
    # allocation buckets
    N_("penalty"), N_("overdue_interest"), N_("overdue_fee"), N_("overdue_principal"), N_("current_interest"),
    N_("current_fee"), N_("current_principal"), N_("prepaid_principal"),
    # application fields
    N_("SALARIED"), N_("SELF_EMPLOYED"), N_("STUDENT"), N_("OTHER"),
    N_("OWN"), N_("MORTGAGE"), N_("RENT"), N_("FAMILY"),
    # reasons a reviewer declines
    N_("FRAUD_CONFIRMED"), N_("IDENTITY_NOT_VERIFIED"), N_("INCOME_NOT_VERIFIED"), N_("AFFORDABILITY"),
    N_("POLICY_EXCLUSION"),
    # reminder stages
    N_("BEFORE_3"), N_("BEFORE_1"), N_("DUE"), N_("OVERDUE_1"), N_("OVERDUE_3"), N_("OVERDUE_7"),
    # ledger accounts
    N_("Settlement cash"), N_("Loans receivable (principal)"), N_("Interest receivable"),
    N_("Penalty interest receivable"), N_("Fees receivable"), N_("Interest income"), N_("Penalty interest income"),
    N_("Fee income"), N_("Credit losses (write-offs)"), N_("Recoveries on written-off loans"),
)

DOMAIN_ERRORS = (
    N_("a reason is required"),
    N_("the reason is limited to 500 characters"),
    N_("the reason is limited to 200 characters"),
    N_("enter an amount such as 12000 or 12000.50"),
    N_("enter a daily rate in percent, such as 0.035"),
    N_("the limit cannot go below the principal drawn on the line"),
    N_("the limit is already this amount"),
    N_("no such credit line"),
    N_("a active line cannot become active"),
    N_("a frozen line cannot become frozen"),
    N_("a closed line cannot become frozen"),
    N_("a closed line cannot become active"),
    N_("the line changed meanwhile; try again"),
    N_("user name: 3-64 characters of a-z, 0-9, '.', '_' or '-'"),
    N_("this user name is taken"),
    N_("role must be one of admin, risk, operator, viewer"),
    N_("Password must be at least 8 characters long."),
    N_("Password must be at most 128 characters long."),
    N_("Password must contain at least one letter."),
    N_("Password must contain at least one digit."),
    N_("the last active admin cannot be demoted or disabled"),
    N_("no such member of staff"),
    N_("no such reminder"),
    N_("only a failed reminder can be sent again"),
    N_("choose a reason"),
    N_("choose approve or decline"),
    N_("no such application"),
    N_("the policy made no offer: give a limit and a daily rate"),
    N_("a reason code of capital letters, digits and _ is required"),
    N_("the daily rate is outside the product's range"),
)
