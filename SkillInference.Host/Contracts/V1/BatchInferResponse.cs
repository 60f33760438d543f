namespace SkillInference.Host.Contracts.V1;

/// <summary>The outcomes of a batch, in request order.</summary>
/// <param name="Results">One entry per item.</param>
/// <param name="Succeeded">Items scored.</param>
/// <param name="Failed">Items with an error.</param>
public sealed record BatchInferResponse(IReadOnlyList<BatchItemResult> Results, int Succeeded, int Failed);
