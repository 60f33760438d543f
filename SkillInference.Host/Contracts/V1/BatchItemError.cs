namespace SkillInference.Host.Contracts.V1;

/// <summary>Why one batch item was not scored, shaped like RFC 9457 problem details.</summary>
public sealed record BatchItemError
{
    /// <summary>The HTTP status the item would have had on its own (400, 404, 422, 503).</summary>
    public required int Status { get; init; }

    /// <summary>A short summary.</summary>
    public required string Title { get; init; }

    /// <summary>A sentence for humans; never contains feature values.</summary>
    public required string Detail { get; init; }

    /// <summary>Problems by field, e.g. <c>features.question_rate</c>.</summary>
    public IDictionary<string, string[]>? Errors { get; init; }
}
