namespace SkillInference.Monitoring;

/// <summary>
/// A message for the people watching the models: an alert opened or cleared, a rollout step, a promotion or a
/// rollback. Carries no student id and no feature value.
/// </summary>
/// <param name="Kind">What it is about: <c>correlation</c>, <c>drift</c>, <c>latency</c>, <c>model_load</c>, <c>rollout</c>.</param>
/// <param name="Skill">The skill.</param>
/// <param name="ModelVersion">The model version concerned, when one is.</param>
/// <param name="State">The new state (an alert's <c>alert</c>/<c>ok</c>, a rollout's <c>running</c>, <c>promoted</c>, <c>rolled_back</c>…).</param>
/// <param name="Summary">One human sentence, with the measured value and the threshold.</param>
/// <param name="At">When it happened.</param>
/// <param name="Values">The measured values behind it (e.g. <c>r</c>, <c>n</c>, <c>psi</c>, <c>threshold</c>).</param>
internal sealed record MonitoringNotice(
    string Kind,
    string Skill,
    string? ModelVersion,
    string State,
    string Summary,
    DateTimeOffset At,
    IReadOnlyDictionary<string, double>? Values = null);

/// <summary>
/// Delivers <see cref="MonitoringNotice"/>s (the webhook, the log). <see cref="Publish"/> is called on request and
/// background paths alike: it must return at once (queue, never wait on the network) and must not throw.
/// </summary>
internal interface IMonitoringNotifier
{
    void Publish(MonitoringNotice notice);
}

/// <summary>
/// Agreement of one model version (and variant) with teacher ratings, as the last validation found it.
/// </summary>
/// <param name="Skill">The skill.</param>
/// <param name="ModelVersion">The model version.</param>
/// <param name="Variant">The variant that scored the assessments (<c>deployed</c> or <c>variant</c>).</param>
/// <param name="PearsonR">Pearson r of scores against ratings; null when n &lt; 3.</param>
/// <param name="N">Rated assessments joined.</param>
/// <param name="CiLow">The 95 % Fisher-z interval's lower end.</param>
/// <param name="CiHigh">The 95 % Fisher-z interval's upper end.</param>
/// <param name="Spearman">Spearman ρ.</param>
/// <param name="Coverage">Rated share of assessed students.</param>
/// <param name="State"><c>ok</c>, <c>alert</c> or <c>insufficient_data</c>.</param>
/// <param name="EvaluatedAt">When the validation ran.</param>
internal sealed record AgreementResult(
    string Skill,
    string ModelVersion,
    string Variant,
    double? PearsonR,
    int N,
    double? CiLow,
    double? CiHigh,
    double? Spearman,
    double? Coverage,
    string State,
    DateTimeOffset EvaluatedAt);

/// <summary>The latest validation results (monitoring writes them; a rollout's correlation guard reads them).</summary>
internal interface IAgreementSource
{
    /// <summary>The latest result per version and variant of <paramref name="skill"/>; empty when none was computed.</summary>
    ValueTask<IReadOnlyList<AgreementResult>> GetLatestAsync(string skill, CancellationToken cancellationToken = default);
}
