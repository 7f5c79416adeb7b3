from kyc_wallet.database.migrate import run_env

run_env()
