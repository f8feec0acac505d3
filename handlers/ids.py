"""Every action_id and callback_id the app uses, so listeners and block builders agree."""

# Actions (buttons in the campaign DM, App Home and confirmations)
OPEN_ANSWER_FORM = "leverage_open_form"
NOT_THIS_QUARTER = "leverage_not_this_quarter"
CONFIRM_FORGET = "leverage_forget_confirm"
OPEN_DISCLOSURE_FORM = "disclosure_open_form"
STAGE_EVIDENCE = "stage_evidence"

# Modal callback ids
ANSWER_VIEW = "leverage_answer"
ANSWER_DETAILS_VIEW = "leverage_answer_details"
DISCLOSURE_VIEW = "disclosure_submit"

# Slash commands (also declared in manifest.yml; a test keeps the two in step)
LEVERAGE_COMMAND = "/ai-leverage"
DISCLOSE_COMMAND = "/ai-disclose"
STAGE_COMMAND = "/ai-stage"
