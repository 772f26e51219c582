import { Component, type ErrorInfo, type ReactNode } from 'react';

type State = { error: Error | null };

/** Whatever throws while rendering, the page shows what happened and a way on, never a blank screen. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <main className="page narrow">
        <div role="alert" className="alert alert-error">
          <strong>Something went wrong / Une erreur est survenue</strong>
          <p>{this.state.error.message}</p>
          <button type="button" className="button" onClick={() => window.location.assign('/')}>
            Home / Accueil
          </button>
        </div>
      </main>
    );
  }
}
