using SkillInference.Schema;

namespace SkillInference.Tests.Core.Schema;

[TestClass]
public sealed class FeatureSchemaTests
{
    [TestMethod]
    public void Validate_ValidFeatures_ReportsNothing()
    {
        var problems = FeatureSchema.Validate(BaseSpecs());

        Assert.IsEmpty(problems);
    }

    [TestMethod]
    public void Validate_NoFeatures_ReportsEmptySchema()
    {
        var problems = FeatureSchema.Validate([]);

        var problem = Assert.ContainsSingle(problems);
        Assert.Contains("at least one feature", problem);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow(" ")]
    [DataRow("Upper_case")]
    [DataRow("1starts_with_digit")]
    [DataRow("_leading_underscore")]
    [DataRow("has space")]
    [DataRow("has-dash")]
    [DataRow("dotted.name")]
    [DataRow("a1234567890123456789012345678901234567890123456789012345678901234")]
    public void Validate_InvalidName_ReportsIt(string name)
    {
        var specs = new[] { Spec("good_name"), Spec(name) };

        var problems = FeatureSchema.Validate(specs);

        var problem = Assert.ContainsSingle(problems);
        Assert.Contains("feature #1 has an invalid name", problem);
    }

    [TestMethod]
    [DataRow("a")]
    [DataRow("snake_case_2")]
    [DataRow("a12345678901234567890123456789012345678901234567890123456789012_")]
    public void Validate_ValidSnakeCaseName_IsAccepted(string name)
    {
        var problems = FeatureSchema.Validate([Spec(name)]);

        Assert.IsEmpty(problems);
    }

    [TestMethod]
    public void Validate_DuplicateName_ReportsIt()
    {
        var specs = new[] { Spec("alpha"), Spec("beta"), Spec("alpha") };

        var problems = FeatureSchema.Validate(specs);

        var problem = Assert.ContainsSingle(problems);
        Assert.Contains("'alpha' appears more than once", problem);
    }

    [TestMethod]
    public void Validate_MinAboveMax_ReportsEmptyRange()
    {
        var problems = FeatureSchema.Validate([Spec("alpha", min: 2, max: 1)]);

        var problem = Assert.ContainsSingle(problems);
        Assert.Contains("'alpha' has an empty valid range", problem);
    }

    [TestMethod]
    public void Validate_MinEqualsMax_IsAccepted()
    {
        var problems = FeatureSchema.Validate([Spec("alpha", min: 1, max: 1)]);

        Assert.IsEmpty(problems);
    }

    [TestMethod]
    public void Validate_NaNBound_ReportsEmptyRange()
    {
        var problems = FeatureSchema.Validate([Spec("alpha", min: double.NaN, max: 1)]);

        var problem = Assert.ContainsSingle(problems);
        Assert.Contains("'alpha' has an empty valid range", problem);
    }

    [TestMethod]
    [DataRow(false, 0.0, DisplayName = "no value")]
    [DataRow(true, double.NaN, DisplayName = "NaN")]
    [DataRow(true, double.PositiveInfinity, DisplayName = "infinity")]
    public void Validate_ConstantRuleWithoutFiniteValue_ReportsIt(bool hasValue, double value)
    {
        var spec = Spec("alpha", missing: new MissingValueRule(MissingValueStrategy.Constant, hasValue ? value : null));

        var problems = FeatureSchema.Validate([spec]);

        var problem = Assert.ContainsSingle(problems);
        Assert.Contains("'alpha' uses the constant missing rule without a finite value", problem);
    }

    [TestMethod]
    public void Create_SeveralProblems_ThrowsListingEveryOne()
    {
        var specs = new[]
        {
            Spec("Bad Name"),
            Spec("alpha", min: 5, max: 0),
            Spec("alpha"),
            Spec("beta", missing: new MissingValueRule(MissingValueStrategy.Constant)),
        };

        var ex = Assert.ThrowsExactly<SchemaValidationException>(() => FeatureSchema.Create(specs));

        Assert.HasCount(4, ex.Problems);
        Assert.Contains("invalid name 'Bad Name'", ex.Problems[0]);
        Assert.Contains("empty valid range", ex.Problems[1]);
        Assert.Contains("appears more than once", ex.Problems[2]);
        Assert.Contains("constant missing rule", ex.Problems[3]);
        Assert.IsTrue(ex.Problems.All(p => ex.Message.Contains(p, StringComparison.Ordinal)));
    }

    [TestMethod]
    public void Create_ValidFeatures_KeepsOrderAndIndexes()
    {
        var schema = FeatureSchema.Create(BaseSpecs());

        CollectionAssert.AreEqual(new[] { "alpha", "beta", "gamma" }, schema.Features.Select(f => f.Name).ToArray());
        Assert.AreEqual(3, schema.Count);
        Assert.AreEqual(2, schema.IndexOf("gamma"));
        Assert.AreEqual(-1, schema.IndexOf("delta"));
        Assert.IsTrue(schema.Contains("beta"));
        Assert.IsFalse(schema.Contains("Beta"));
    }

    [TestMethod]
    public void Fingerprint_SameContractBuiltTwice_IsEqual()
    {
        var first = FeatureSchema.Create(BaseSpecs());
        var second = FeatureSchema.Create(BaseSpecs());

        Assert.AreEqual(first.Fingerprint, second.Fingerprint);
    }

    [TestMethod]
    public void Fingerprint_OnlyDescriptionUnitOrGroupChanged_IsEqual()
    {
        var original = FeatureSchema.Create(BaseSpecs());
        var relabelled = BaseSpecs().Select(s => s with
        {
            Description = "Something else entirely.",
            Unit = "furlongs",
            Group = s.Group == FeatureGroup.Linguistic ? FeatureGroup.Behavioral : FeatureGroup.Linguistic,
        });

        var changed = FeatureSchema.Create(relabelled);

        Assert.AreEqual(original.Fingerprint, changed.Fingerprint);
    }

    [TestMethod]
    [DataRow("min")]
    [DataRow("max")]
    [DataRow("required")]
    [DataRow("rule")]
    [DataRow("constant")]
    [DataRow("order")]
    [DataRow("name")]
    [DataRow("removed")]
    public void Fingerprint_ContractChanged_Differs(string change)
    {
        var specs = BaseSpecs();
        IEnumerable<FeatureSpec> changed = change switch
        {
            "min" => specs.Select((s, i) => i == 1 ? s with { Min = s.Min - 0.5 } : s),
            "max" => specs.Select((s, i) => i == 1 ? s with { Max = s.Max + 1e-9 } : s),
            "required" => specs.Select((s, i) => i == 1 ? s with { Required = !s.Required } : s),
            "rule" => specs.Select((s, i) => i == 1 ? s with { Missing = MissingValueRule.Mean } : s),
            "constant" => specs.Select((s, i) => i == 2 ? s with { Missing = MissingValueRule.Constant(1) } : s),
            "order" => [specs[1], specs[0], specs[2]],
            "name" => specs.Select((s, i) => i == 0 ? s with { Name = "alpha_2" } : s),
            "removed" => specs.Take(2),
            _ => throw new ArgumentOutOfRangeException(nameof(change)),
        };

        var original = FeatureSchema.Create(specs);
        var modified = FeatureSchema.Create(changed);

        Assert.AreNotEqual(original.Fingerprint, modified.Fingerprint);
    }

    [TestMethod]
    [DataRow("a", true)]
    [DataRow("collaboration", true)]
    [DataRow("critical_thinking", true)]
    [DataRow(null, false)]
    [DataRow("", false)]
    [DataRow("Collaboration", false)]
    [DataRow("critical-thinking", false)]
    public void IsValidName_Name_MatchesSnakeCaseRule(string? name, bool expected)
    {
        var actual = FeatureSchema.IsValidName(name);

        Assert.AreEqual(expected, actual);
    }

    private static FeatureSpec[] BaseSpecs() =>
    [
        Spec("alpha", min: 0, max: 1, missing: MissingValueRule.Median),
        Spec("beta", min: -3, max: 3, required: true, missing: MissingValueRule.Native),
        Spec("gamma", min: 0, max: 100, missing: MissingValueRule.Constant(0)),
    ];

    private static FeatureSpec Spec(string name, double min = 0, double max = 1, bool required = false, MissingValueRule? missing = null) => new()
    {
        Name = name,
        Group = FeatureGroup.Behavioral,
        Description = "A feature.",
        Unit = "ratio",
        Min = min,
        Max = max,
        Required = required,
        Missing = missing ?? MissingValueRule.Median,
    };
}
