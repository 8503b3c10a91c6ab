// Plans carry `JSONValue`, `MusicalKey` and `Stem`, which live in the shared model module; a client of Render sees
// them without a second import.
@_exported import MashupModel
