using System.Diagnostics.CodeAnalysis;

namespace SkillInference.Inference;

/// <summary>The outcome of one item of a batch: a result or an error.</summary>
public sealed record InferenceOutcome
{
    private InferenceOutcome(InferenceResult? result, InferenceError? error)
    {
        Result = result;
        Error = error;
    }

    /// <summary>The result, when the item was scored.</summary>
    public InferenceResult? Result { get; }

    /// <summary>The error, when it was not.</summary>
    public InferenceError? Error { get; }

    /// <summary>Whether the item was scored.</summary>
    [MemberNotNullWhen(true, nameof(Result))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Result is not null;

    /// <summary>A scored item.</summary>
    public static InferenceOutcome Success(InferenceResult result) => new(result ?? throw new ArgumentNullException(nameof(result)), null);

    /// <summary>A failed item.</summary>
    public static InferenceOutcome Failure(InferenceError error) => new(null, error ?? throw new ArgumentNullException(nameof(error)));
}
