"""QS148's words: the four quality statements and their measures, quoted from NICE quality
standard 148 (community engagement: improving health and wellbeing, 2017)."""

from __future__ import annotations

STATEMENTS = {
    1: (
        "Identifying local priorities",
        "Members of the local community are involved in setting priorities for health and "
        "wellbeing initiatives.",
    ),
    2: (
        "Evaluation",
        "Members of the local community are involved in monitoring and evaluating health and "
        "wellbeing initiatives as soon as the priorities are agreed.",
    ),
    3: (
        "Identifying community assets",
        "Members of the local community are involved in identifying the skills, knowledge, "
        "networks, relationships and facilities available to health and wellbeing initiatives.",
    ),
    4: (
        "Peer and lay roles",
        "Members of the local community are actively recruited to take on peer and lay roles "
        "for health and wellbeing initiatives.",
    ),
}

_ARRANGE = "Evidence of local arrangements"
_ASSETS = (
    f"{_ARRANGE} to ensure that members of the local community are involved in identifying "
    "{what} within the community as part of health and wellbeing initiatives."
)

MEASURES = {
    "1 structure": f"{_ARRANGE} for involving members of the local community in setting "
    "priorities for health and wellbeing initiatives.",
    "1 outcome a": "Priorities for health and wellbeing initiatives reflect what is important "
    "to members of the local communities.",
    "1 outcome b": "Community ownership of health and wellbeing initiatives, such as levels of "
    "participation, and breadth of local community representation on committees, boards and "
    "other groups.",
    "2 structure a": f"{_ARRANGE} for involving members of the local community in monitoring "
    "and evaluating local health and wellbeing initiatives as soon as the priorities are "
    "agreed.",
    "2 structure b": f"{_ARRANGE} for involving members of the local community in agreeing "
    "what to measure to illustrate the impact of the initiative once the priorities are "
    "agreed.",
    "2 process a": "Proportion of local health and wellbeing initiatives monitored against "
    "measures agreed within the evaluation plan.",
    "2 process b": "Proportion of local health and wellbeing initiatives with an evaluation "
    "plan that provide feedback to the engaged members of the local communities.",
    "2 outcome a": "Evaluation providing information as identified within the evaluation plan.",
    "2 outcome b": "Increased social engagement within local communities.",
    "2 outcome c": "Empowered members of local communities that understand the impact of the "
    "initiatives they are involved in.",
    "3 structure a": _ASSETS.format(what="skills"),
    "3 structure b": _ASSETS.format(what="knowledge"),
    "3 structure c": _ASSETS.format(what="networks"),
    "3 structure d": _ASSETS.format(what="relationships"),
    "3 structure e": _ASSETS.format(what="facilities"),
    "3 structure f": f"{_ARRANGE} to ensure that the joint strategic needs assessment includes "
    "the identification of community assets.",
    "3 outcome a": "Community members are recognised as assets and feel valued by the "
    "commissioners.",
    "3 outcome b": "Local communities and commissioners work together to recognise existing "
    "assets that health and wellbeing initiatives can be built on.",
    "4 structure a": f"{_ARRANGE} to actively recruit members of the community to take on peer "
    "and lay roles for local health and wellbeing initiatives.",
    "4 structure b": "Evidence of local specification of the roles and responsibilities of "
    "members of the community taking on peer and lay roles.",
    "4 structure c": f"{_ARRANGE} to support members of the community taking on peer and lay "
    "roles to fulfil these roles.",
    "4 outcome a": "Community members are provided with information and support to improve "
    "their health and wellbeing by members of the same community or from people with similar "
    "backgrounds.",
    "4 outcome b": "Effective communication between statutory, community and voluntary "
    "organisations and members of the local community.",
    "4 outcome c": "Community members in peer and lay roles are actively involved in organising "
    "and delivering health and wellbeing initiatives.",
}

# QS148 gives a numerator and a denominator for the two process measures of statement 2.
NUMERATORS = {
    "2 process a": (
        "Number in the denominator monitored against measures agreed within the plan.",
        "Number of local health and wellbeing initiatives with an evaluation plan.",
    ),
    "2 process b": (
        "Number in the denominator that provide feedback to the engaged members of the local "
        "communities.",
        "Number of local health and wellbeing initiatives with an evaluation plan.",
    ),
}

DATA_SOURCE = "Local data collection (QS148's data source for every measure): this bot."
