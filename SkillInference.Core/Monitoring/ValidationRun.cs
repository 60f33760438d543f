namespace SkillInference.Monitoring;

/// <summary>What one run of the validation job computed and which correlation alerts it opened or cleared.</summary>
/// <param name="EvaluatedAt">When it ran.</param>
/// <param name="Results">One result per skill, model version and variant with assessments.</param>
/// <param name="Alerts">The correlation alerts as they stand after the run (open, or cleared by it).</param>
internal sealed record ValidationRun(DateTimeOffset EvaluatedAt, IReadOnlyList<ValidationResult> Results, IReadOnlyList<MonitoringAlert> Alerts);
