"""Pengumuman: what the Dinas Kominfo sends to the KIM groups (announcements, agendas, materials to pass on,
clarifications of hoaxes), targeted at areas or named groups, delivered to members' phones by the delta pull."""
