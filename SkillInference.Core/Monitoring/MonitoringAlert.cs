namespace SkillInference.Monitoring;

/// <summary>
/// An alert of any kind: at most one is open per kind, skill and model version; cleared ones stay as history.
/// </summary>
/// <param name="Id">The alert's id.</param>
/// <param name="Kind"><c>correlation</c>, <c>drift</c>, <c>latency</c> or <c>model_load</c>.</param>
/// <param name="Skill">The skill.</param>
/// <param name="ModelVersion">The model version (empty when none is concerned).</param>
/// <param name="State"><c>open</c> or <c>cleared</c>.</param>
/// <param name="Value">The last measured value (r, PSI, p99 seconds, failures).</param>
/// <param name="Threshold">The threshold it is judged against.</param>
/// <param name="N">The sample behind the value, when there is one.</param>
/// <param name="CiLow">The interval's lower end (correlation).</param>
/// <param name="CiHigh">The interval's upper end (correlation).</param>
/// <param name="Summary">One human sentence, with the value and the threshold.</param>
/// <param name="GoodEvaluations">Consecutive evaluations on the good side of the threshold while open.</param>
/// <param name="OpenedAt">When it fired.</param>
/// <param name="UpdatedAt">When it was last evaluated.</param>
/// <param name="ClearedAt">When it cleared.</param>
internal sealed record MonitoringAlert(
    Guid Id,
    string Kind,
    string Skill,
    string ModelVersion,
    string State,
    double? Value,
    double Threshold,
    int? N,
    double? CiLow,
    double? CiHigh,
    string Summary,
    int GoodEvaluations,
    DateTimeOffset OpenedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ClearedAt);
