"""A person's data: export and erasure on request, retention, notice.

One service for the admin's "Personal data" view, the
``comment_personal_data`` command and the retention task alike:

- :mod:`.sources`: every kind of record that holds a person's data, each
  able to export and to erase it (comments, tombstones; reports and reply
  opt-ins add theirs there);
- :mod:`.export`: :func:`export_personal_data`, as JSON or CSV;
- :mod:`.erasure`: :func:`erase_personal_data`, which anonymises and keeps
  conversations whole;
- :mod:`.retention`: :func:`prune_client_data`, which clears old IP addresses
  and user agents;
- :mod:`.notice`: the privacy policy link of the comment form;
- :mod:`.data_requests`: a person's request, recorded by a moderator,
  confirmed by the person, then answered; :mod:`.links` emails them the
  signed links (confirm, download the export) that :mod:`.views` serves at
  the URLs of :mod:`.urls`, which a site includes.
"""

from .erasure import ErasureResult, erase_personal_data
from .errors import InvalidEmail, PersonalDataError
from .export import PersonalData, export_personal_data
from .retention import PruneResult, prune_client_data

__all__ = [
    "ErasureResult",
    "InvalidEmail",
    "PersonalData",
    "PersonalDataError",
    "PruneResult",
    "erase_personal_data",
    "export_personal_data",
    "prune_client_data",
]
