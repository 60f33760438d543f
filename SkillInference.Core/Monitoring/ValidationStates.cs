namespace SkillInference.Monitoring;

/// <summary>The states of a validation result.</summary>
internal static class ValidationStates
{
    public const string Ok = "ok";
    public const string Alert = "alert";
    public const string InsufficientData = "insufficient_data";
}
