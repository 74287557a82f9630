"""Who will be able to read a note, in plain words, before it is saved.

The facts come from `policy.note_readers` (the same table `can_read_note` uses); this module only
puts them into sentences with the names of the people on the case.
"""

from portal import policy
from portal.vocab import Audience, ShareState


def _names(people):
    names = [p.name for p in people]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def readers_in_words(audience, *, source_party_id, party_ids, parties, coaches, author,
                     existing_shares=None):
    """Sentences saying who can read a note with this audience, named parties and source party.

    `parties` and `coaches` are the case's; `author` is who writes it; `existing_shares` (party
    id -> state) are the shares a note already has, which keep their state.
    """
    if not Audience.has(audience):
        return ["Choose who can read it to see who that will be."]
    facts = policy.note_readers(audience, source_party_id, party_ids)
    others = [c for c in coaches if c.id != author.id]
    staff_who = ["you"]
    if facts["case_coaches"]:
        staff_who.append(f"the other coaches on this case ({_names(others)})" if others
                         else "any other coach allocated to this case")
    if facts["coordinators"]:
        staff_who.append("the service's coordinators")
    if len(staff_who) == 1:
        words = ["Only you can read it."]
    else:
        who = _joined(staff_who)
        words = [f"{who[0].upper()}{who[1:]} can read it."]
    by_id = {p.id: p for p in parties}
    shares = {**facts["shares"], **{pid: s for pid, s in (existing_shares or {}).items()
                                    if pid in facts["shares"]}}
    source = by_id.get(source_party_id)
    for pid, state in shares.items():
        party = by_id.get(pid)
        if party is None:
            continue
        words.append(_party_sentence(party, state, source))
    not_named = [p for p in parties if p.id not in shares]
    if not_named:
        words.append(f"{_names(not_named)} cannot read it.")
    if not facts["coordinators"]:
        words.append("Coordinators cannot read it. Only if a safeguarding concern is open on this "
                     "case may the safeguarding lead open it, after giving a reason, and you would "
                     "be told.")
    return words


def _joined(items):
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _party_sentence(party, state, source):
    account = "" if party.user_id else " (they have no portal account yet: they will see it once they do)"
    if policy.share_is_visible(policy.NoteFacts(note_id=0, case_id=0, author_id=0,
                                                audience=Audience.PARTIES, shares={party.id: state},
                                                source_party_id=source.id if source else None),
                               party.id):
        return f"{party.name} can read it in the portal{account}."
    if source is None:
        # A consent state without a source party: a form whose source was (wrongly) cleared.
        return f"{party.name} cannot read it."
    if state == ShareState.WAITING:
        ask = (f"{source.name} will be asked in the portal, or you can record their answer on the "
               "note" if source.user_id else
               f"{source.name} has no portal account: record their answer on the note once they tell you")
        return (f"{party.name} can read it only once {source.name} agrees, because it records "
                f"{source.name}'s words. {ask}.")
    if state == ShareState.REFUSED:
        return f"{party.name} cannot read it: {source.name} did not agree to share it."
    if state == ShareState.WITHDRAWN:
        return f"{party.name} cannot read it: {source.name} withdrew their agreement."
    return f"{party.name} cannot read it."
