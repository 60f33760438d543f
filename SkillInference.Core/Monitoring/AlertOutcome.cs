namespace SkillInference.Monitoring;

/// <summary>What one evaluation of an alert rule found.</summary>
internal enum AlertOutcome
{
    /// <summary>Too little data to judge: an open alert stays open, its run of good evaluations unchanged.</summary>
    NotJudged,

    /// <summary>On the good side of the threshold.</summary>
    Healthy,

    /// <summary>On the bad side of the threshold.</summary>
    Breached,
}
