import ArgumentParser
import SamtykkeServer

@main
struct Samtykke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samtykke",
        abstract: "A consent-based broker for tax data: banks ask, citizens decide, auditors verify.",
        discussion: "Every flag can also be set as SAMTYKKE_<FLAG> in the environment (upper case, '-' as '_').",
        version: BuildInfo.version,
        subcommands: [
            Serve.self, MockTaxAgencyCommand.self, Dev.self, Bank.self, Auditor.self,
            ConsentCommand.self, LoginCommand.self, LogoutCommand.self, AuditCommand.self, BundleCommand.self, WitnessCommand.self, Demo.self, Backup.self, Restore.self,
        ]
    )
}
