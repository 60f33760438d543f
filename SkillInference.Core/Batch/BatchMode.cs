namespace SkillInference.Batch;

/// <summary>Which students a batch run scores.</summary>
public enum BatchMode
{
    /// <summary>Every student in the feature source.</summary>
    Full,

    /// <summary>
    /// Students whose features changed after the last successful run's watermark, and students without an assessment
    /// by a version that now serves some skill (e.g. after a deploy).
    /// </summary>
    Incremental,
}
