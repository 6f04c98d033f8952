import './base.css';
import './display.css';
import './editor.css';
import './composer-db.css';
import './database.css';
import './predict.css';
