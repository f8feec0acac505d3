"""Every action_id and callback_id the app uses, so listeners and block builders agree."""

# Actions (buttons in the campaign DM, App Home and confirmations)
OPEN_ANSWER_FORM = "leverage_open_form"
NOT_THIS_QUARTER = "leverage_not_this_quarter"
CONFIRM_FORGET = "leverage_forget_confirm"
OPEN_DISCLOSURE_FORM = "disclosure_open_form"
STAGE_EVIDENCE = "stage_evidence"
ADMIN_REMIND = "admin_campaign_remind"
ADMIN_CLOSE = "admin_campaign_close"
OPEN_TEAM_SUMMARY = "team_summary_open"
DISCLOSURE_REPLY = "disclosure_admin_reply"

# Modal callback ids
ANSWER_VIEW = "leverage_answer"
ANSWER_DETAILS_VIEW = "leverage_answer_details"
DISCLOSURE_VIEW = "disclosure_submit"
DISCLOSURE_REPLY_VIEW = "disclosure_admin_reply_submit"

# Slash commands (also declared in manifest.yml; a test keeps the two in step)
LEVERAGE_COMMAND = "/ai-leverage"
DISCLOSE_COMMAND = "/ai-disclose"
STAGE_COMMAND = "/ai-stage"

# The use-case registry and its review gates (handlers/actions/usecases.py, views/usecases.py)
PROPOSE_FROM_ANSWER = "usecase_from_answer"
GATE_APPROVE = "gate_approve"
GATE_CHANGES = "gate_changes"
GATE_REJECT = "gate_reject"
USECASE_REVISE = "usecase_revise"
USECASE_PRODUCTION = "usecase_production"
USECASE_OUTCOME = "usecase_outcome"
USECASE_RETIRE = "usecase_retire"
TOOL_REQUEST_OPEN = "tool_request_open"
TOOL_REQUEST_DEMAND = "tool_request_demand"
PROPOSE_VIEW = "usecase_propose"
REASON_VIEW = "gate_reason"
PRODUCTION_VIEW = "usecase_production_submit"
OUTCOME_VIEW = "usecase_outcome_submit"
RETIRE_VIEW = "usecase_retire_submit"
TOOL_REQUEST_VIEW = "tool_request_submit"
