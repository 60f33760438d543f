namespace SkillInference.Loading;

/// <summary>The models serving one skill: the deployed one and any traffic variants.</summary>
internal sealed class SkillServing
{
    public SkillServing(string skill, LoadedModel deployed, IReadOnlyList<(LoadedModel Model, double Weight)> variants)
    {
        Skill = skill;
        Deployed = deployed;
        Variants = variants;
        TotalWeight = variants.Sum(v => v.Weight);
    }

    public string Skill { get; }

    public LoadedModel Deployed { get; }

    public IReadOnlyList<(LoadedModel Model, double Weight)> Variants { get; }

    public double TotalWeight { get; }

    public IEnumerable<LoadedModel> AllModels => Variants.Select(v => v.Model).Append(Deployed).Distinct();
}
