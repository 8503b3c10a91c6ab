// `SongAnalysis` and the key estimator speak in `MusicalKey`, which lives in the shared model module; a client of
// Analysis sees it without a second import.
@_exported import MashupModel
