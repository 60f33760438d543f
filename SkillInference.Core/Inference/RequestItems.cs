using SkillInference.Loading;
using SkillInference.Schema;

namespace SkillInference.Inference;

/// <summary>Items that are requests, each with its own skill and a dictionary of features (single and batch calls).</summary>
internal sealed class RequestItems(IReadOnlyList<InferenceRequest?> requests) : InferenceItems
{
    public override int Count => requests.Count;

    public override string? SkillOf(int item) => requests[item] is { Skill: { } skill, Features: not null } ? skill : null;

    public override string? StudentIdOf(int item) => requests[item]?.StudentId;

    public override bool ExplainOf(int item) => requests[item]?.Explain ?? false;

    public override bool TryPrepare(int item, LoadedModel model, Span<float> row, Span<double> used, Span<bool> imputed, ref List<FeatureError>? errors) =>
        model.Builder.TryBuild(requests[item]!.Features, row, used, imputed, ref errors);
}
