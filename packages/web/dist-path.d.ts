/** The absolute path of the web app's build directory (holding index.html once built). */
export declare const webDistPath: string;
