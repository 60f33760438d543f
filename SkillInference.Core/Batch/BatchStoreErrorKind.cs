namespace SkillInference.Batch;

/// <summary>Whether a failure of the batch database may go away on its own.</summary>
internal enum BatchStoreErrorKind
{
    /// <summary>The database is unreachable, busy or timed out: retry later (a Cloud Tasks target answers 5xx).</summary>
    Transient,

    /// <summary>Retrying will not help (e.g. a missing table: run the migrations; a constraint violation).</summary>
    Permanent,
}
